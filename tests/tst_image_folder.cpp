// Image-folder datasets: PNG and JPEG decoding against PIL, resizing against torchvision's
// arithmetic, the pixels of Fashion-MNIST written out as PNGs against its IDX files, the seeded
// split, the DataLoader's decoder workers, and bad files named in errors.
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "core/error.h"
#include "data/data_loader.h"
#include "data/dataset.h"
#include "data/idx_file.h"
#include "data/image_file.h"
#include "data/image_resize.h"
#include "data/npy_file.h"
#include "io/model_file.h"
#include "test_support.h"

using namespace twb;
using twb::test::errorOf;
using twb::test::runEngine;
namespace fs = std::filesystem;

namespace {
constexpr int kTrain = 300, kTest = 100;  // the first samples of each Fashion-MNIST split

std::string readBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void writeBytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

void runPython(const QStringList& args) {
  QProcess python;
  python.setProcessChannelMode(QProcess::MergedChannels);
  python.start("/usr/bin/python3", args);
  QVERIFY(python.waitForFinished(300000));
  QVERIFY2(python.exitCode() == 0, python.readAll().constData());
}

// A copy of the class folders under `from` with `name` (holding `bytes`) added to class 0.
std::string folderWith(const std::string& from, const std::string& to, const std::string& name,
                       const std::string& bytes) {
  fs::remove_all(to);
  fs::copy(from, to, fs::copy_options::recursive);
  writeBytes(to + "/0/" + name, bytes);
  return to;
}
}  // namespace

class TestImageFolder : public QObject {
  Q_OBJECT
  QTemporaryDir m_dir;

  std::string file(const std::string& name) const {
    return m_dir.filePath(QString::fromStdString(name)).toStdString();
  }

 private slots:
  void initTestCase() {
    QVERIFY(m_dir.isValid());
    runPython({QString(TWB_SOURCE_DIR) + "/tests/image_references.py", m_dir.path()});
    runPython({QString(TWB_SOURCE_DIR) + "/tests/write_image_folder.py", m_dir.filePath("fm"),
               "--train", QString::number(kTrain), "--test", QString::number(kTest)});
  }

  void pngFolderHoldsTheIdxPixelsExactly() {
    const DatasetSplits images = openDataset("images:" + file("fm"));
    QCOMPARE(images.train->size(), int64_t(kTrain));
    QCOMPARE(images.test->size(), int64_t(kTest));
    QCOMPARE(images.train->classes(), int64_t(10));
    QCOMPARE(images.train->sampleShape(), (Shape{1, 28, 28}));
    QVERIFY(images.train->readsFiles());

    // The folder lists class 0's files first, each class by file name (the IDX index).
    const DatasetSplits idx = openDataset("fashion-mnist");
    std::multimap<int32_t, int64_t> byClass;
    std::vector<float> expected(784), actual(784);
    for (int64_t i = 0; i < kTrain; ++i) byClass.emplace(idx.train->read(i, expected.data()), i);
    int64_t k = 0;
    for (const auto& [label, index] : byClass) {
      idx.train->read(index, expected.data());
      QCOMPARE(images.train->read(k++, actual.data()), label);
      QVERIFY2(actual == expected, ("image " + std::to_string(k - 1)).c_str());
    }
  }

  void resizeAndCropMatchTorchvisionWithPil() {
    const Image photo = readImageFile(file("photo.png"));
    QCOMPARE(photo.channels, int64_t(3));
    QCOMPARE(photo.width, int64_t(64));
    QCOMPARE(photo.height, int64_t(48));
    const Tensor reference = readNpyFile(file("photo-3x32x32.npy"));
    std::vector<float> ours(3 * 32 * 32);
    resizeAndCrop(photo, 32, 32, ours.data());
    float worst = 0;
    for (size_t i = 0; i < ours.size(); ++i)
      worst = std::max(worst, std::abs(ours[i] - reference.data<float>()[i]));
    // PIL rounds to 8 bits after each of its two passes: one level apart at most.
    QVERIFY2(worst <= 1.01f / 255, std::to_string(worst * 255).c_str());
  }

  void jpegDecodesAsPilDoes() {
    const Image photo = readImageFile(file("photo.jpg"));
    const Tensor reference = readNpyFile(file("photo-jpg.npy"));
    std::vector<float> ours(3 * 48 * 64);
    resizeAndCrop(photo, 48, 64, ours.data());  // its own size: copied exactly
    for (size_t i = 0; i < ours.size(); ++i) QCOMPARE(ours[i], reference.data<float>()[i]);
    QCOMPARE(readImageFile(file("photo.jpg"), 1).channels, int64_t(1));
  }

  // A CMYK JPEG (print workflows write them) is RGB as PIL converts it; it was refused as
  // "corrupt or truncated" (libjpeg converts only YCbCr and grey to RGB).
  void cmykJpegDecodesAsPilConvertsIt() {
    const Image photo = readImageFile(file("photo-cmyk.jpg"));
    QCOMPARE(photo.channels, int64_t(3));
    const Tensor reference = readNpyFile(file("photo-cmyk-jpg.npy"));
    std::vector<float> ours(3 * 48 * 64);
    resizeAndCrop(photo, 48, 64, ours.data());
    for (size_t i = 0; i < ours.size(); ++i) QCOMPARE(ours[i], reference.data<float>()[i]);
    // The picture itself, within JPEG's loss (the stored, inverted ink would be ~128 off).
    const Image original = readImageFile(file("photo.png"));
    double difference = 0;
    for (size_t i = 0; i < original.pixels.size(); ++i)
      difference += std::abs(int(original.pixels[i]) - int(photo.pixels[i]));
    difference /= static_cast<double>(original.pixels.size());
    QVERIFY2(difference < 6, std::to_string(difference).c_str());
    QCOMPARE(readImageFile(file("photo-cmyk.jpg"), 1).channels, int64_t(1));
  }

  void modelInputSetsTheSampleShape() {
    const DatasetSplits grey = openDataset("images:" + file("fm"), {1, 16, 16});
    QCOMPARE(grey.test->sampleShape(), (Shape{1, 16, 16}));
    const DatasetSplits rgb = openDataset("images:" + file("fm"), {3, 32, 32});
    std::vector<float> sample(3 * 32 * 32);
    rgb.train->read(0, sample.data());
    // Grey becomes RGB with three equal planes.
    QCOMPARE(sample[5 * 32 + 7], sample[1024 + 5 * 32 + 7]);
    QCOMPARE(sample[5 * 32 + 7], sample[2048 + 5 * 32 + 7]);
    // A shape that is not an image's leaves the folder's own, for the caller's mismatch error.
    QCOMPARE(openDataset("images:" + file("fm"), {784}).train->sampleShape(), (Shape{1, 28, 28}));
  }

  void seededSplitIsDisjointAndTheSameEveryTime() {
    const std::string spec = "images:" + file("fm/train");
    const DatasetSplits a = openDataset(spec), b = openDataset(spec);
    const DatasetSplits quarter = openDataset(spec + ":test=0.25");
    QCOMPARE(a.train->size() + a.test->size(), int64_t(kTrain));
    QVERIFY(a.test->size() >= kTrain / 10 - 10 && a.test->size() <= kTrain / 10 + 10);
    QVERIFY(quarter.test->size() >= kTrain / 4 - 10 && quarter.test->size() <= kTrain / 4 + 10);
    std::vector<float> x(784), y(784);
    std::set<std::vector<float>> trainSamples;
    for (int64_t i = 0; i < a.train->size(); ++i) {
      a.train->read(i, x.data());
      trainSamples.insert(x);
    }
    for (int64_t i = 0; i < a.test->size(); ++i) {
      QCOMPARE(a.test->read(i, x.data()), b.test->read(i, y.data()));
      QVERIFY(x == y);
      QVERIFY2(!trainSamples.count(x), "a test image is also a training image");
    }
  }

  void decoderWorkersGiveTheSameBatchesAsOne() {
    const auto data = openDataset("images:" + file("fm")).train;
    auto batches = [&](int64_t workers) {
      DataLoaderOptions options;
      options.batch = 32;
      options.seed = 3;
      options.augmentation = {2, true};
      options.workers = workers;
      DataLoader loader(data, options);
      std::vector<float> all, samples(32 * 784);
      std::vector<int32_t> labels(32);
      for (int64_t epoch = 0; epoch < 2; ++epoch) {
        loader.start(epoch);
        while (const int64_t n = loader.next(samples.data(), labels.data())) {
          all.insert(all.end(), samples.begin(), samples.begin() + n * 784);
          all.insert(all.end(), labels.begin(), labels.begin() + n);
        }
      }
      return all;
    };
    const std::vector<float> one = batches(1);
    QCOMPARE(one.size(), size_t(2 * (kTrain / 32) * 32 * 785));
    QVERIFY(batches(3) == one);
    QVERIFY(batches(0) == one);
  }

  void trainedModelKeepsItsDataAndPredictsImages() {
    const std::string job = file("job.json");
    std::ofstream(job) << nlohmann::json{{"name", "folder-mlp"},
                                         {"model", {{"template", "mlp"}}},
                                         {"dataset", "images:" + file("fm")},
                                         {"batch", 32},
                                         {"epochs", 1},
                                         {"optimizer", {{"type", "sgd"}, {"lr", 0.05}}}};
    const auto trained =
        runEngine({"train", QString::fromStdString(job), "--out", m_dir.filePath("run")});
    QVERIFY2(trained.exitCode == 0, qPrintable(trained.output));
    const std::string modelPath = file("run/model.twbm");
    const ModelFile model = loadModel(modelPath);
    QCOMPARE(model.dataset.classNames.size(), size_t(10));
    QCOMPARE(model.dataset.classNames[3], std::string("3"));
    QVERIFY(model.dataset.normalization);
    QCOMPARE(model.dataset.normalization->mean, std::vector<float>{0.5f});

    // Images through predict give the outputs of the same samples as the loader prepares them.
    // The test split's first two samples: class 0's first two files.
    const auto test = openDataset("images:" + file("fm")).test;
    std::vector<std::string> images;
    for (const auto& entry : fs::directory_iterator(file("fm/test/0"))) images.push_back(entry.path());
    std::sort(images.begin(), images.end());
    images.resize(2);
    Tensor samples({2, 1, 28, 28}, DType::f32);
    for (int64_t i = 0; i < 2; ++i) {
      float* x = samples.data<float>() + i * 784;
      test->read(i, x);
      for (int64_t j = 0; j < 784; ++j) x[j] = (x[j] - 0.5f) / 0.5f;
    }
    writeNpyFile(file("samples.npy"), samples);
    const auto fromImages = runEngine({"predict", QString::fromStdString(modelPath), "--input",
                                       QString::fromStdString(images[0]), "--input",
                                       QString::fromStdString(images[1]), "--out",
                                       m_dir.filePath("images-out.npy"), "--top", "2"});
    QVERIFY2(fromImages.exitCode == 0, qPrintable(fromImages.output));
    QVERIFY2(fromImages.output.contains(QString::fromStdString(images[1]) + "[0]:"),
             qPrintable(fromImages.output));
    // Without --out nothing is written, and each sample's three most likely classes are printed.
    const auto printed = runEngine(
        {"predict", QString::fromStdString(modelPath), QString::fromStdString(images[0])});
    QVERIFY2(printed.exitCode == 0, qPrintable(printed.output));
    const QStringList lines = printed.output.split('\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 1);
    QCOMPARE(lines[0].count('('), 3);
    QVERIFY2(fromImages.output.contains(lines[0].section(')', 0, 1) + ")\n"),
             qPrintable(printed.output + " against " + fromImages.output));
    const auto fromArrays = runEngine({"predict", QString::fromStdString(modelPath), "--input",
                                       m_dir.filePath("samples.npy"), "--out",
                                       m_dir.filePath("arrays-out.npy")});
    QVERIFY2(fromArrays.exitCode == 0, qPrintable(fromArrays.output));
    const Tensor a = readNpyFile(file("images-out.npy")), b = readNpyFile(file("arrays-out.npy"));
    QCOMPARE(a.shape(), (Shape{2, 10}));
    QVERIFY(twb::test::relativeError(a.data<float>(), b.data<float>(), 20) < 1e-6);
    // A folder is every image under it, by path: class 0's test images, the first two as above.
    const int64_t inFolder = std::distance(fs::directory_iterator(file("fm/test/0")), {});
    const auto fromFolder =
        runEngine({"predict", QString::fromStdString(modelPath), "--input",
                   m_dir.filePath("fm/test/0"), "--out", m_dir.filePath("folder-out.npy")});
    QVERIFY2(fromFolder.exitCode == 0, qPrintable(fromFolder.output));
    const Tensor all = readNpyFile(file("folder-out.npy"));
    QCOMPARE(all.shape(), (Shape{inFolder, 10}));
    QVERIFY(inFolder > 2);
    QVERIFY(twb::test::relativeError(all.data<float>(), a.data<float>(), 20) < 1e-6);

    // Bad normalisations and images for a model that does not take them are named.
    const auto badMean = runEngine({"predict", QString::fromStdString(modelPath), "--input",
                                    QString::fromStdString(images[0]), "--out",
                                    m_dir.filePath("x.npy"), "--mean", "0.1,0.2", "--std", "1,1"});
    QVERIFY2(badMean.exitCode != 0 && badMean.output.contains("--mean: needs 1 or 1 values, has 2"),
             qPrintable(badMean.output));
    // The engine's ONNX file carries the normalisation: its images come out as the model
    // file's do.
    const std::string onnx = file("mlp.onnx");
    QCOMPARE(runEngine({"export", QString::fromStdString(modelPath), "--out", QString::fromStdString(onnx)}).exitCode, 0);
    const auto fromOnnx =
        runEngine({"predict", QString::fromStdString(onnx), "--input",
                   QString::fromStdString(images[0]), "--out", m_dir.filePath("x.npy")});
    QVERIFY2(fromOnnx.exitCode == 0, qPrintable(fromOnnx.output));
    QVERIFY(twb::test::relativeError(readNpyFile(file("x.npy")).data<float>(), a.data<float>(),
                                     10) < 1e-5);
    // One made elsewhere has none: that is said, and --mean and --std give it.
    const std::string bare = file("bare.onnx");
    runPython({"-c",
               "import onnx, sys; m = onnx.load(sys.argv[1]); del m.metadata_props[:]; "
               "onnx.save(m, sys.argv[2])",
               QString::fromStdString(onnx), QString::fromStdString(bare)});
    const auto noNormalization =
        runEngine({"predict", QString::fromStdString(bare), "--input",
                   QString::fromStdString(images[0]), "--out", m_dir.filePath("y.npy")});
    QVERIFY2(noNormalization.exitCode != 0 &&
                 noNormalization.output.contains(QString::fromStdString(images[0]) +
                                                 ": the model file records no normalisation"),
             qPrintable(noNormalization.output));
    const auto given = runEngine({"predict", QString::fromStdString(bare), "--input",
                                  QString::fromStdString(images[0]), "--out",
                                  m_dir.filePath("y.npy"), "--mean", "0.5", "--std", "0.5"});
    QVERIFY2(given.exitCode == 0, qPrintable(given.output));
    const Tensor c = readNpyFile(file("y.npy"));
    QVERIFY(twb::test::relativeError(c.data<float>(), a.data<float>(), 10) < 1e-5);
  }

  void badFilesAreNamed() {
    const std::string classes = file("fm/train");
    const std::string png = readBytes(file("photo.png")), jpeg = readBytes(file("photo.jpg"));
    struct Case {
      std::string name, bytes, expected;
    };
    const std::vector<Case> cases = {
        {"truncated.png", png.substr(0, png.size() / 2), "truncated.png: corrupt or truncated PNG"},
        {"corrupt.png", png.substr(0, 40) + std::string(200, 'x'), "corrupt.png: corrupt"},
        {"truncated.jpg", jpeg.substr(0, jpeg.size() / 2),
         "truncated.jpg: corrupt or truncated JPEG"},
        {"text.jpg", "just some words", "text.jpg: not a PNG or JPEG image"},
        {"empty.png", "", "empty.png: not a PNG or JPEG image (empty file)"},
    };
    for (const Case& c : cases) {
      const std::string dir = folderWith(classes, file("bad"), c.name, c.bytes);
      const auto data = openDataset("images:" + dir + ":test=0.5").train;
      DataLoaderOptions options;
      options.batch = 8;
      options.shuffle = false;
      options.workers = 2;
      DataLoader loader(data, options);
      std::vector<float> samples(8 * 784);
      std::vector<int32_t> labels(8);
      const std::string error = errorOf([&] {
        for (loader.start(0); loader.next(samples.data(), labels.data());) {
        }
      });
      QVERIFY2(error.find(c.expected) != std::string::npos, (c.name + " -> " + error).c_str());
    }
    QVERIFY(
        errorOf([&] {
          openDataset("images:" + folderWith(classes, file("bad"), "notes.txt", "x"));
        }).find("0/notes.txt: not an image (class folders hold .png, .jpg and .jpeg files only)") !=
        std::string::npos);
    folderWith(classes, file("bad"), "fine.png", png);
    fs::create_directories(file("bad/empty-class"));
    QVERIFY(errorOf([&] {
              openDataset("images:" + file("bad"));
            }).find("empty-class: class folder holds no images") != std::string::npos);
    QVERIFY(errorOf([&] {
              openDataset("images:" + file("fm") + ":test=0.1");
            }).find("has its own train/ folder") != std::string::npos);
    QVERIFY(errorOf([&] {
              openDataset("images:" + file("fm/train") + ":test=2");
            }).find("test=2 must be a fraction") != std::string::npos);
    QVERIFY(errorOf([&] {
              openDataset("images:/no/folder");
            }).find("folder /no/folder does not exist") != std::string::npos);
    fs::create_directories(file("lonely/train/a"));
    fs::create_directories(file("lonely/test/b"));
    fs::copy_file(file("photo.png"), file("lonely/train/a/1.png"));
    fs::copy_file(file("photo.png"), file("lonely/test/b/1.png"));
    QVERIFY(errorOf([&] {
              openDataset("images:" + file("lonely"));
            }).find("test/b: class 'b' is not among the training classes") != std::string::npos);
  }
};

QTEST_GUILESS_MAIN(TestImageFolder)
#include "tst_image_folder.moc"
