// Datasets: IDX (plain and gzip) with its failure modes, the real Fashion-MNIST files, CIFAR-10
// binary, CSV and synthetic data.
#include <zlib.h>

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>

#include "core/error.h"
#include "data/data_loader.h"
#include "data/dataset.h"
#include "data/dataset_facts.h"
#include "data/idx_file.h"
#include "data/npy_file.h"
#include "test_support.h"

using namespace twb;
using twb::test::errorOf;

namespace {
// ASan keeps freed blocks resident (its quarantine, 256 MiB) to catch uses after free, and
// TSan's allocator and shadow add their own: a bound on how much memory opening a dataset
// leaves resident holds only without them.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kFreedMemoryStaysResident = true;
#else
constexpr bool kFreedMemoryStaysResident = false;
#endif

std::string idx(std::vector<uint32_t> dims, const std::string& body) {
  std::string h{0, 0, 8, static_cast<char>(dims.size())};
  for (uint32_t d : dims) h += {char(d >> 24), char(d >> 16), char(d >> 8), char(d)};
  return h + body;
}

void write(const QString& path, const std::string& bytes, bool gzip = false) {
  if (gzip) {
    gzFile f = gzopen(path.toStdString().c_str(), "wb");
    gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
    gzclose(f);
  } else {
    std::ofstream(path.toStdString(), std::ios::binary) << bytes;
  }
}

// Runs `script` with the real NumPy (after `import numpy as np, sys; d = sys.argv[1] + '/'`),
// d being `folder`: the files NumPy writes, not our idea of them.
bool writeWithNumpy(const QTemporaryDir& folder, const char* script) {
  QProcess python;
  python.setProcessChannelMode(QProcess::MergedChannels);
  python.start(
      "/usr/bin/python3",
      {"-c", QString("import numpy as np, sys; d = sys.argv[1] + '/'\n") + script, folder.path()});
  if (python.waitForFinished(60000) && python.exitCode() == 0) return true;
  qWarning("%s", python.readAll().constData());
  return false;
}
}  // namespace

class TestData : public QObject {
  Q_OBJECT
 private slots:
  void idxPlainAndGzipReadTheSame() {
    QTemporaryDir dir;
    std::string body;
    for (int i = 0; i < 2 * 3 * 4; ++i) body += static_cast<char>(i * 10);
    write(dir.filePath("a.idx"), idx({2, 3, 4}, body));
    write(dir.filePath("a.idx.gz"), idx({2, 3, 4}, body), true);
    for (const char* name : {"a.idx", "a.idx.gz"}) {
      const IdxArray a = readIdxFile(dir.filePath(name).toStdString());
      QCOMPARE(a.dims, (std::vector<int64_t>{2, 3, 4}));
      QCOMPARE(a.data.size(), size_t(24));
      QCOMPARE(int(a.data[23]), 230);
    }
  }

  void idxErrorsNameTheProblem() {
    QTemporaryDir dir;
    const QString path = dir.filePath("bad");
    write(path, idx({5, 2}, std::string(7, 'x')));
    QVERIFY(errorOf([&] {
              readIdxFile(path.toStdString());
            }).find("truncated: the header promises 10 bytes of data, the file holds 7") !=
            std::string::npos);
    write(path, std::string("\x1f\x8b", 2) + "garbage that is not gzip");
    QVERIFY(!errorOf([&] { readIdxFile(path.toStdString()); }).empty());
    write(path, std::string("\0\0\x0d\x01", 4) + std::string(8, '\0'));
    QVERIFY(errorOf([&] { readIdxFile(path.toStdString()); }).find("element type") !=
            std::string::npos);
    write(path, "ab");
    QVERIFY(errorOf([&] { readIdxFile(path.toStdString()); }).find("shorter than the 4-byte") !=
            std::string::npos);
    QVERIFY(errorOf([&] { readIdxFile("/no/file"); }).find("/no/file: no such file") !=
            std::string::npos);
  }

  void fashionMnistFromTheDebianPackage() {
    const DatasetSplits d = openDataset("fashion-mnist");
    QCOMPARE(d.train->size(), 60000);
    QCOMPARE(d.test->size(), 10000);
    QCOMPARE(d.train->sampleShape(), (Shape{1, 28, 28}));
    QCOMPARE(d.train->classes(), 10);
    std::vector<float> x(784);
    QCOMPARE(d.train->read(0, x.data()), 9);  // the first training image is an ankle boot
    float lo = 1, hi = 0;
    for (float v : x) lo = std::min(lo, v), hi = std::max(hi, v);
    QVERIFY(lo >= 0 && hi <= 1 && hi > 0.5f);
    std::vector<int> perClass(10);
    for (int64_t i = 0; i < d.test->size(); ++i) ++perClass[d.test->read(i, x.data())];
    for (int c : perClass) QCOMPARE(c, 1000);
  }

  // A node keeps what its checks read of a dataset while the files are as they were, and reads
  // them again once one changes.
  void checksReadADatasetAgainOnlyWhenItsFilesChange() {
    namespace fs = std::filesystem;
    QTemporaryDir dir;
    const auto labels = [](const std::string& values) {
      return idx({static_cast<uint32_t>(values.size())}, values);
    };
    for (const QString split : {"train", "t10k"}) {
      write(dir.filePath(split + "-images-idx3-ubyte"), idx({3, 2, 2}, std::string(12, '\x80')));
      write(dir.filePath(split + "-labels-idx1-ubyte"), labels({0, 1, 11}));  // 12 classes
    }
    const std::string spec = "idx:" + dir.path().toStdString();
    DatasetFactsCache cache;
    const DatasetSplits first = cache.open(spec);
    QCOMPARE(first.train->size(), 3);
    QCOMPARE(first.train->sampleShape(), (Shape{1, 2, 2}));
    QCOMPARE(first.train->classes(), 12);
    QCOMPARE(first.train->name(), spec);
    QCOMPARE(first.test->name(), spec + " (test)");
    std::vector<float> x(4);
    QVERIFY(errorOf([&] { first.train->read(0, x.data()); }).find("only its facts") !=
            std::string::npos);

    // New labels of the same size, the file's time put back: its facts are kept (a read
    // would find class 19)...
    const fs::path trainLabels = dir.filePath("train-labels-idx1-ubyte").toStdString();
    const auto written = fs::last_write_time(trainLabels);
    write(QString::fromStdString(trainLabels.string()), labels({0, 1, 19}));
    fs::last_write_time(trainLabels, written);
    QCOMPARE(cache.open(spec).train->classes(), 12);
    QCOMPARE(openDataset(spec).train->classes(), 20);
    // ... until its time says it changed.
    fs::last_write_time(trainLabels, written + std::chrono::seconds(1));
    QCOMPARE(cache.open(spec).train->classes(), 20);
    // Gone: the error of opening it.
    fs::remove(trainLabels);
    QVERIFY2(errorOf([&] { cache.open(spec); }).find("missing train-labels-idx1-ubyte") !=
                 std::string::npos,
             errorOf([&] { cache.open(spec); }).c_str());
    // Forms that read their samples as drawn are opened each time: the data itself.
    std::vector<float> sample(12);
    QCOMPARE(errorOf([&] { cache.open("synthetic:3x2x2:4:10").train->read(0, sample.data()); }),
             std::string("no error"));
  }

  void cifarBinary() {
    QTemporaryDir dir;
    std::string record(3073, '\0');
    for (int b = 1; b <= 5; ++b) {
      record[0] = static_cast<char>(b);
      record[1] = static_cast<char>(255);
      write(dir.filePath(QString("data_batch_%1.bin").arg(b)), record + record);
    }
    record[0] = 3;
    write(dir.filePath("test_batch.bin"), record);
    const DatasetSplits d = openDataset("cifar10:" + dir.path().toStdString());
    QCOMPARE(d.train->size(), 10);
    QCOMPARE(d.test->size(), 1);
    std::vector<float> x(3072);
    QCOMPARE(d.train->read(9, x.data()), 5);
    QCOMPARE(x[0], 1.0f);
    QCOMPARE(d.test->read(0, x.data()), 3);
    write(dir.filePath("test_batch.bin"), record.substr(0, 100));
    QVERIFY(errorOf([&] {
              openDataset("cifar10:" + dir.path().toStdString());
            }).find("is not a whole number of CIFAR-10 records") != std::string::npos);
  }

  void csvWithHeaderAndErrors() {
    QTemporaryDir dir;
    const QString path = dir.filePath("d.csv");
    write(path, "a,b,label\n0.5,1.5,1\n-1,2,0\n3,4,2\n");
    const DatasetSplits d = openDataset("csv:" + path.toStdString());
    QCOMPARE(d.train->size(), 3);
    QCOMPARE(d.train->sampleShape(), (Shape{2}));
    QCOMPARE(d.train->classes(), 3);
    std::vector<float> x(2);
    QCOMPARE(d.train->read(0, x.data()), 1);
    QCOMPARE(x[1], 1.5f);
    // Quoted cells (a header's names may hold commas), padding, CRLF line ends.
    write(path, "\"width, cm\",\"say \"\"h\"\"\",label\r\n \"0.25\" , 7 ,\"1\"\r\n2,3,0\r\n");
    const DatasetSplits q = openDataset("csv:" + path.toStdString());
    QCOMPARE(q.train->size(), 2);
    QCOMPARE(q.train->read(0, x.data()), 1);
    QCOMPARE(x[0], 0.25f);
    QCOMPARE(x[1], 7.f);
    write(path, "1,2,0\n1,x,1\n");
    QVERIFY(errorOf([&] {
              openDataset("csv:" + path.toStdString());
            }).find("d.csv:2: column 2: 'x' is not a finite number") != std::string::npos);
    write(path, "width,height,label\n1,2,0\n1,,1\n");
    QVERIFY(errorOf([&] {
              openDataset("csv:" + path.toStdString());
            }).find("d.csv:3: column 2 ('height'): '' is not a finite number") !=
            std::string::npos);
    for (const char* value : {"nan", "-inf", "1e40"}) {  // 1e40: beyond float32
      write(path, std::string("1,2,0\n1,") + value + ",1\n");
      QVERIFY(errorOf([&] {
                openDataset("csv:" + path.toStdString());
              }).find(std::string("d.csv:2: column 2: '") + value + "' is not a finite number") !=
              std::string::npos);
    }
    write(path, "1,\"2,0\n");
    QVERIFY(errorOf([&] {
              openDataset("csv:" + path.toStdString());
            }).find("d.csv:1: a quote in column 2 is not closed") != std::string::npos);
    write(path, "1,\"2\"x,0\n");
    QVERIFY(errorOf([&] {
              openDataset("csv:" + path.toStdString());
            }).find("d.csv:1: text after the closing quote of column 2") != std::string::npos);
    write(path, "1,2,0\n1,2,3,1\n");
    QVERIFY(errorOf([&] {
              openDataset("csv:" + path.toStdString());
            }).find("d.csv:2: has 4 columns, expected 3") != std::string::npos);
    write(path, "1,2,0.5\n");
    QVERIFY(errorOf([&] {
              openDataset("csv:" + path.toStdString());
            }).find("is not a class index") != std::string::npos);
  }

  void npyPairAndItsErrors() {
    QTemporaryDir dir;
    const std::string x = dir.filePath("x.npy").toStdString(),
                      y = dir.filePath("y.npy").toStdString();
    Tensor samples({5, 2, 3}, DType::f32), labels({5}, DType::f32);
    for (int64_t i = 0; i < samples.numel(); ++i) samples.data<float>()[i] = 0.5f * i;
    for (int64_t i = 0; i < 5; ++i) labels.data<float>()[i] = static_cast<float>(i % 3);
    writeNpyFile(x, samples);
    writeNpyFile(y, labels);
    const DatasetSplits d = openDataset("npy:" + x + "," + y);
    QCOMPARE(d.train->size(), int64_t(5));
    QCOMPARE(d.train->sampleShape(), (Shape{2, 3}));
    QCOMPARE(d.train->classes(), int64_t(3));
    std::vector<float> sample(6);
    QCOMPARE(d.train->read(4, sample.data()), 1);
    QCOMPARE(sample[5], 0.5f * 29);

    // A NaN or an infinity is an error of the sample that holds it, when it is read.
    samples.data<float>()[3 * 6 + 4] = std::nanf("");
    samples.data<float>()[4 * 6 + 1] = -INFINITY;
    writeNpyFile(x, samples);
    const DatasetSplits bad = openDataset("npy:" + x + "," + y);
    QCOMPARE(bad.train->read(2, sample.data()), 2);
    QCOMPARE(errorOf([&] { bad.train->read(3, sample.data()); }),
             x + ": sample 3 holds NaN at value 4 (samples must be finite numbers)");
    QVERIFY(errorOf([&] {
              bad.train->read(4, sample.data());
            }).find(x + ": sample 4 holds -inf (as float32) at value 1") == 0);

    labels.data<float>()[2] = 1.5f;
    writeNpyFile(y, labels);
    QVERIFY(errorOf([&] { openDataset("npy:" + x + "," + y); }).find("y.npy: label 2 is 1.5") !=
            std::string::npos);
    writeNpyFile(y, Tensor({4}, DType::f32));
    QVERIFY(errorOf([&] {
              openDataset("npy:" + x + "," + y);
            }).find("x.npy holds 5 samples, so labels are (5)") != std::string::npos);
    QVERIFY(errorOf([&] { openDataset("npy:" + x); }).find("expected npy:SAMPLES.npy,LABELS.npy") !=
            std::string::npos);
    QVERIFY(errorOf([&] {
              openDataset("npy:" + x + "," + x + "," + y);
            }).find("expected npy:SAMPLES.npy,LABELS.npy") != std::string::npos);
  }

  // A CSV file streams from disk: checked whole at open, each row parsed again when read; 400 000
  // rows of 32 features (51 MB as floats) open with much less memory than that.
  void csvRowsStreamFromDisk() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("big.csv").toStdString();
    const int64_t rows = 400000, features = 32;
    {
      std::ofstream out(path);
      for (int64_t f = 0; f < features; ++f) out << "f" << f << ",";
      out << "label\n";
      std::string row;
      for (int64_t f = 0; f < features; ++f) row += "0.25,";
      for (int64_t r = 0; r < rows; ++r) {
        if (r == 123456)
          out << "7.5," << row.substr(5) << "\"4\"\r\n";  // quoted label, Windows line end
        else
          out << row << r % 3 << "\n";
      }
    }
    const int64_t before = test::residentBytes();
    QVERIFY(before > 0);
    const DatasetSplits d = openDataset("csv:" + path);
    QCOMPARE(d.train->size(), rows);
    QCOMPARE(d.train->classes(), int64_t(5));
    std::vector<float> sample(features);
    QCOMPARE(d.train->read(123456, sample.data()), 4);
    QCOMPARE(sample[0], 7.5f);
    QCOMPARE(sample[31], 0.25f);
    QCOMPARE(d.train->read(rows - 1, sample.data()), static_cast<int>((rows - 1) % 3));
    const int64_t grown = test::residentBytes() - before;
    if (!kFreedMemoryStaysResident)
      QVERIFY2(grown < (24 << 20), qPrintable(QString::number(grown)));
  }

  // A .npy of samples streams from disk: a 1 GiB file (sparse) opens and reads without its size
  // in memory, and one cut short is refused at open, naming it.
  void npySamplesStreamFromDisk() {
    QTemporaryDir dir;
    const std::string x = dir.filePath("big.npy").toStdString(),
                      y = dir.filePath("labels.npy").toStdString();
    const int64_t samples = 65536, values = 4096;  // 1 GiB of float32
    std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" +
                         std::to_string(samples) + ", " + std::to_string(values) + "), }";
    header.resize(118, ' ');  // 10 + 118 = 128 bytes, as NumPy aligns it
    header += '\n';
    const int64_t offset = 10 + static_cast<int64_t>(header.size());
    {
      std::ofstream out(x, std::ios::binary);
      const char preamble[] = {'\x93', 'N', 'U', 'M', 'P', 'Y', 1, 0,
                               static_cast<char>(header.size()), 0};
      out.write(preamble, sizeof preamble);
      out << header;
      out.seekp(offset + (1000 * values + 7) * 4);  // sample 1000, value 7
      const float marked = 2.5f;
      out.write(reinterpret_cast<const char*>(&marked), 4);
    }
    std::filesystem::resize_file(x, offset + samples * values * 4);
    Tensor labels({samples}, DType::f32);
    labels.data<float>()[1000] = 3;
    writeNpyFile(y, labels);

    const int64_t before = test::residentBytes();
    QVERIFY(before > 0);
    const DatasetSplits d = openDataset("npy:" + x + "," + y);
    std::vector<float> sample(values);
    QCOMPARE(d.train->read(1000, sample.data()), 3);
    QCOMPARE(sample[7], 2.5f);
    QCOMPARE(sample[6], 0.f);
    const int64_t grown = test::residentBytes() - before;
    if (!kFreedMemoryStaysResident)
      QVERIFY2(grown < (64 << 20), qPrintable(QString::number(grown)));

    std::filesystem::resize_file(x, offset + samples * values * 4 - 1);
    QVERIFY(errorOf([&] { openDataset("npy:" + x + "," + y); })
                .find("big.npy: holds fewer bytes than its shape [65536, 4096] of <f4 needs") !=
            std::string::npos);
  }

  // A header that claims more values than its file holds is refused from the file's size, before
  // an array of that shape is made (2^40 float32 values would be 4 TiB).
  void npyClaimingMoreThanItsFileIsRefusedBeforeAllocating() {
    QTemporaryDir dir;
    const std::string labels = dir.filePath("labels.npy").toStdString();
    std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627776,), }";
    header.resize(117, ' ');
    header += '\n';
    {
      std::ofstream out(labels, std::ios::binary);
      const char preamble[] = {
          '\x93', 'N', 'U', 'M', 'P', 'Y', 1, 0, static_cast<char>(header.size()), 0};
      out.write(preamble, sizeof preamble);
      out << header << std::string(8, '\0');
    }
    QCOMPARE(errorOf([&] { readNpyFile(labels); }),
             labels +
                 ": holds fewer bytes than its shape [1099511627776] of <f4 needs "
                 "(4398046511104)");
  }

  // Samples in each numeric type NumPy writes that a float32 holds: half precision (as datasets
  // are often kept), unsigned 16- and 32-bit; a type with no such value (complex) is refused,
  // naming it.
  void npySamplesOfEveryNumericType() {
    QTemporaryDir dir;
    const std::string d = dir.path().toStdString() + "/";
    QVERIFY(writeWithNumpy(
        dir,
        "x = np.array([[0.5, -2.0, 65504.0], [1e-7, 3.0, 0.0]])\n"
        "np.save(d + 'f2.npy', x.astype(np.float16))\n"
        "np.save(d + 'u2.npy', np.array([[1, 65535, 7], [0, 2, 3]], dtype=np.uint16))\n"
        "np.save(d + 'u4.npy', np.array([[1, 4000000000, 7], [0, 2, 3]], dtype=np.uint32))\n"
        "np.save(d + 'c8.npy', x.astype(np.complex64))\n"
        "np.save(d + 'y.npy', np.array([1, 0], dtype=np.uint8))\n"));
    const std::vector<std::pair<std::string, std::vector<float>>> expected{
        {"f2", {0.5f, -2.f, 65504.f, 1.1920929e-07f, 3.f, 0.f}},  // 1e-7 as fp16 rounds it
        {"u2", {1.f, 65535.f, 7.f, 0.f, 2.f, 3.f}},
        {"u4", {1.f, 4e9f, 7.f, 0.f, 2.f, 3.f}}};
    for (const auto& [type, values] : expected) {
      const DatasetSplits data = openDataset("npy:" + d + type + ".npy," + d + "y.npy");
      std::vector<float> both(6);
      QCOMPARE(data.train->read(0, both.data()), 1);
      QCOMPARE(data.train->read(1, both.data() + 3), 0);
      QVERIFY2(both == values, type.c_str());
    }
    QCOMPARE(errorOf([&] { openDataset("npy:" + d + "c8.npy," + d + "y.npy"); }),
             d + "c8.npy: arrays of '<c8' are not supported (float16/32/64, int8/16/32/64 or "
                 "uint8/16/32, little-endian)");
  }

  // .npz archives as NumPy writes them (np.savez_compressed in Keras' layout with mixed types,
  // np.savez with named arrays), and damaged ones.
  void npzArchivesAndTheirErrors() {
    QTemporaryDir dir;
    const std::string d = dir.path().toStdString() + "/";
    QVERIFY(writeWithNumpy(
        dir,
        "np.savez_compressed(d + 'keras.npz', x_train=np.arange(36, dtype=np.float32).reshape(6, "
        "2, 3),"
        " y_train=np.arange(6) % 4, x_test=np.arange(24, dtype=np.float64).reshape(4, 2, 3) / 2,"
        " y_test=np.array([3, 2, 1, 0], dtype=np.uint8))\n"
        "np.savez(d + 'named.npz', feats=np.arange(20, dtype=np.int16).reshape(5, 4),"
        " labels=np.arange(5, dtype=np.int32) % 2)\n"
        "f = np.ones((3, 4)); f[1, 2] = np.inf\n"
        "np.savez(d + 'infinite.npz', x_train=f, y_train=np.arange(3))\n"
        "b = bytearray(open(d + 'keras.npz', 'rb').read()); b[len(b) // 3] ^= 0xFF\n"
        "open(d + 'damaged.npz', 'wb').write(b)\n"
        "open(d + 'cut.npz', 'wb').write(open(d + 'keras.npz', 'rb').read()[:100])\n"
        "open(d + 'text.npz', 'w').write('not an archive')\n"));

    const DatasetSplits keras = openDataset("npz:" + d + "keras.npz");
    QCOMPARE(keras.train->size(), int64_t(6));
    QCOMPARE(keras.test->size(), int64_t(4));
    QCOMPARE(keras.train->sampleShape(), (Shape{2, 3}));
    QCOMPARE(keras.train->classes(), int64_t(4));
    std::vector<float> sample(6);
    QCOMPARE(keras.train->read(5, sample.data()), 1);
    QCOMPARE(sample[5], 35.f);
    QCOMPARE(keras.test->read(1, sample.data()), 2);
    QCOMPARE(sample[0], 3.f);  // float64 6 / 2

    const DatasetSplits named = openDataset("npz:" + d + "named.npz:feats,labels");
    QCOMPARE(named.train->size(), int64_t(5));
    QCOMPARE(named.train->sampleShape(), (Shape{4}));
    QCOMPARE(named.train->read(3, sample.data()), 1);
    QCOMPARE(sample[3], 15.f);

    QVERIFY(errorOf([&] {
              openDataset("npz:" + d + "named.npz");
            }).find("named.npz: array 'x_train' is not in the archive (it holds: feats, labels)") !=
            std::string::npos);
    QVERIFY(errorOf([&] {
              openDataset("npz:" + d + "named.npz:feats,label");
            }).find("array 'label' is not in the archive") != std::string::npos);
    QVERIFY(errorOf([&] { openDataset("npz:" + d + "named.npz:feats"); }).find("two array names") !=
            std::string::npos);
    QVERIFY(errorOf([&] {
              openDataset("npz:" + d + "text.npz");
            }).find("text.npz: not a .npz archive") != std::string::npos);
    QVERIFY(errorOf([&] {
              openDataset("npz:" + d + "cut.npz");
            }).find("cut.npz: not a .npz archive") != std::string::npos);
    QCOMPARE(errorOf([&] { openDataset("npz:" + d + "infinite.npz"); }),
             d + "infinite.npz: array 'x_train': sample 1 holds +inf (as float32) at value 2 "
                 "(samples must be finite numbers)");  // held in memory: checked at open
    const std::string damaged = errorOf([&] { openDataset("npz:" + d + "damaged.npz"); });
    QVERIFY2(damaged.find("damaged.npz") != std::string::npos, damaged.c_str());
  }

  void syntheticIsDeterministicAndLabelled() {
    const DatasetSplits a = openDataset("synthetic:3x8x8:5"), b = openDataset("synthetic:3x8x8:5");
    QCOMPARE(a.train->sampleShape(), (Shape{3, 8, 8}));
    std::vector<float> xa(192), xb(192);
    std::vector<int> perClass(5);
    for (int i = 0; i < 500; ++i) {
      const int la = a.train->read(i, xa.data()), lb = b.train->read(i, xb.data());
      QCOMPARE(la, lb);
      QVERIFY(xa == xb);
      ++perClass[la];
    }
    for (int c : perClass) QVERIFY2(c > 30, "every class appears");
    QVERIFY(errorOf([] {
              openDataset("synthetic:3x8x8:1");
            }).find("CLASSES must be an integer >= 2") != std::string::npos);
    // A size: a big set costs nothing until read, and sample i is the same in any size.
    const DatasetSplits big = openDataset("synthetic:3x8x8:5:50000");
    QCOMPARE(big.train->size(), int64_t(50000));
    QCOMPARE(big.test->size(), int64_t(10000));
    QCOMPARE(big.train->read(7, xb.data()), a.train->read(7, xa.data()));
    QVERIFY(xa == xb);
    QVERIFY(errorOf([] {
              openDataset("synthetic:3x8x8:5:0");
            }).find("SIZE must be an integer >= 1") != std::string::npos);
    QVERIFY(errorOf([] {
              openDataset("synthetic:3x8x8:5:9:9");
            }).find("expected synthetic:SHAPE:CLASSES[:SIZE]") != std::string::npos);
    QVERIFY(errorOf([] { openDataset("mnist"); }).find("unknown dataset 'mnist'") !=
            std::string::npos);
  }

  // Both splits are labelled by one rule, so a test accuracy means something: a classifier fitted
  // on the training split answers the test split far above chance (it was at chance when each
  // split drew its own rule). For noise, the class means of the features; for token ids, each
  // position's token counts per class (naive Bayes).
  void syntheticSplitsShareTheirLabellingRule() {
    const DatasetSplits noise = openDataset("synthetic:16:4:4000");
    std::vector<double> means(4 * 16, 0.0);
    std::vector<float> x(16);
    for (int64_t i = 0; i < noise.train->size(); ++i) {
      const int label = noise.train->read(i, x.data());
      for (int f = 0; f < 16; ++f) means[label * 16 + f] += x[f];
    }
    int right = 0;
    for (int64_t i = 0; i < noise.test->size(); ++i) {
      const int label = noise.test->read(i, x.data());
      int best = 0;
      double bestScore = -1e300;
      for (int c = 0; c < 4; ++c) {
        double score = 0;
        for (int f = 0; f < 16; ++f) score += means[c * 16 + f] * x[f];
        if (score > bestScore) bestScore = score, best = c;
      }
      right += best == label;
    }
    const double noiseAccuracy = double(right) / double(noise.test->size());
    QVERIFY2(noiseAccuracy > 0.5, std::to_string(noiseAccuracy).c_str());  // chance: 0.25

    const DatasetSplits ids = openDataset("synthetic:6:3:6000:ids=8");
    QCOMPARE(ids.train->name(), std::string("synthetic:6:3:ids=8"));
    std::vector<double> counts(3 * 6 * 8, 1.0), perClass(3, 0.0);  // Laplace's one added
    for (int64_t i = 0; i < ids.train->size(); ++i) {
      const int label = ids.train->read(i, x.data());
      perClass[label] += 1;
      for (int p = 0; p < 6; ++p) {
        QVERIFY2(x[p] >= 0 && x[p] < 8 && x[p] == std::floor(x[p]), std::to_string(x[p]).c_str());
        counts[(label * 6 + p) * 8 + static_cast<int>(x[p])] += 1;
      }
    }
    right = 0;
    for (int64_t i = 0; i < ids.test->size(); ++i) {
      const int label = ids.test->read(i, x.data());
      int best = 0;
      double bestScore = -1e300;
      for (int c = 0; c < 3; ++c) {
        double score = std::log(perClass[c]);
        for (int p = 0; p < 6; ++p)
          score += std::log(counts[(c * 6 + p) * 8 + static_cast<int>(x[p])] / (perClass[c] + 8));
        if (score > bestScore) bestScore = score, best = c;
      }
      right += best == label;
    }
    const double idsAccuracy = double(right) / double(ids.test->size());
    QVERIFY2(idsAccuracy > 0.6, std::to_string(idsAccuracy).c_str());  // chance: 0.33
    qInfo("fitted on the training split, on the test split: noise %.3f, ids %.3f", noiseAccuracy,
          idsAccuracy);
    QVERIFY(errorOf([] { openDataset("synthetic:6:3:ids=0"); }).find("ids=VOCABULARY must be") !=
            std::string::npos);
  }

  // Data-parallel ranks: in every epoch the shards of global batch k are disjoint and, in rank
  // order, are the single process's batch k of ranks x batch samples; epochs are reshuffled.
  void shardsSplitEachGlobalBatchInRankOrder() {
    const int64_t n = 103, batch = 4, ranks = 3;
    std::vector<float> values(n);
    std::vector<int32_t> labels(n);
    for (int64_t i = 0; i < n; ++i) values[i] = float(i), labels[i] = int32_t(i % 3);
    auto data = std::make_shared<InMemoryDataset>("indices", Shape{1}, 3, values, labels);
    const auto epochOf = [&](int64_t epoch, int64_t perBatch, int64_t shard, int64_t shards) {
      DataLoaderOptions o{perBatch, true, true, 7, {}, {}};
      o.shardIndex = shard, o.shardCount = shards;
      DataLoader loader(data, o);
      std::vector<std::vector<float>> batches;
      std::vector<float> x(perBatch);
      std::vector<int32_t> y(perBatch);
      loader.start(epoch);
      while (loader.next(x.data(), y.data()) > 0) batches.push_back(x);
      return batches;
    };
    for (int64_t epoch : {0, 1}) {
      const auto single = epochOf(epoch, batch * ranks, 0, 1);
      QCOMPARE(single.size(), size_t(n / (batch * ranks)));
      std::vector<std::vector<std::vector<float>>> shards;
      for (int64_t r = 0; r < ranks; ++r) shards.push_back(epochOf(epoch, batch, r, ranks));
      std::set<float> seen;
      for (size_t k = 0; k < single.size(); ++k) {
        std::vector<float> joined;
        for (const auto& shard : shards) {
          QCOMPARE(shard.size(), single.size());
          joined.insert(joined.end(), shard[k].begin(), shard[k].end());
        }
        QVERIFY(joined == single[k]);
        seen.insert(joined.begin(), joined.end());
      }
      QCOMPARE(seen.size(), single.size() * size_t(batch * ranks));  // disjoint
    }
    QVERIFY(epochOf(0, batch, 1, ranks) != epochOf(1, batch, 1, ranks));
    QVERIFY(errorOf([&] { epochOf(0, batch, 3, ranks); }).find("shard 3 of 3 does not exist") !=
            std::string::npos);
  }
};

QTEST_APPLESS_MAIN(TestData)
#include "tst_data.moc"
