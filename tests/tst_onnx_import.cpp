// ONNX import: the mlp, lenet5 and a ResNet-18 written in plain PyTorch, exported by
// torch.onnx.export, imported and run by the engine give PyTorch's outputs (relative error
// <= 1e-4); bad files give errors that name the node or the problem.
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "data/npy_file.h"
#include "exec/executor.h"
#include "io/onnx_export.h"
#include "io/onnx_import.h"
#include "io/safetensors.h"
#include "test_support.h"
#include "train/job_config.h"

using namespace twb;

class TestOnnxImport : public QObject {
  Q_OBJECT
  QTemporaryDir m_dir;

  std::string file(const std::string& name) const {
    return m_dir.filePath(QString::fromStdString(name)).toStdString();
  }

 private slots:
  void initTestCase() {
    QVERIFY(m_dir.isValid());
    QProcess python;
    python.setProcessChannelMode(QProcess::MergedChannels);
    python.start("/usr/bin/python3",
                 {QString(TWB_SOURCE_DIR) + "/tests/onnx_models.py", m_dir.path()});
    QVERIFY(python.waitForFinished(300000));
    QVERIFY2(python.exitCode() == 0, python.readAll().constData());
  }

  void importedModelsMatchPyTorch_data() {
    QTest::addColumn<QString>("name");
    QTest::newRow("mlp") << "mlp";
    QTest::newRow("lenet5") << "lenet5";
    QTest::newRow("lenet5 with its weights as external data") << "lenet5-external";
    QTest::newRow("resnet18-cifar") << "resnet18-cifar";
    QTest::newRow("batch norm, pooling, GELU, softmax") << "batch-norm-first";
    QTest::newRow("LeakyReLU, SiLU, Hardswish, HardSigmoid, ReLU6, Clip, ELU, Softplus, Mish")
        << "activations";
    QTest::newRow("the activations at opset 11") << "activations-opset11";
    QTest::newRow("the activations at opset 17 (HardSwish)") << "activations-opset17";
    QTest::newRow("Linear and LayerNorm on tokens, opset 17") << "layer-norm-opset17";
    QTest::newRow("self-attention: MatMul, Transpose, Softmax on the last axis") << "attention";
    QTest::newRow("Mul, Sub and Div of computed values, broadcast") << "gating";
    QTest::newRow("x.mean(dim=(2, 3)) and sums: ReduceMean, ReduceSum") << "mean-pooled";
    QTest::newRow("the same at opset 11 (axes as attributes)") << "mean-pooled-opset11";
    QTest::newRow("nn.Embedding: Gather from its table by int64 ids") << "embedding";
    QTest::newRow("DenseNet's block: torch.cat of every map so far, of one first") << "dense-style";
    QTest::newRow("MaxPool in ceil mode, with and without padding") << "ceil-mode-pooling";
    QTest::newRow("AveragePool in ceil mode, the padding counted and not") << "ceil-mode-average";
    QTest::newRow("ConvNeXt's block: layer scale, x / constants, LayerNorm over channels")
        << "convnext-style";
    QTest::newRow("the same at opset 17 (LayerNormalization)") << "convnext-style-opset17";
    QTest::newRow("a convolution and a Linear applied twice (shared initializers)")
        << "shared-weights";
    // F.pad's pads: computed from constants (ConstantOfShape, Slice reversed, ...), folded.
    QTest::newRow("Pads of zeros before an average pool and a convolution") << "padded-pools";
    QTest::newRow("the same at opset 10 (pads as attributes)") << "padded-pools-opset10";
    for (int opset : {11, 13, 17}) {
      const std::string at = "-opset" + std::to_string(opset);
      // Shape arithmetic, a Split of a Transpose that moves the batch, LayerNorm decomposed
      // before opset 17, a (1, T, D) positional embedding.
      QTest::newRow(("ViT, fused q/k/v cut by shapes" + at).c_str())
          << QString::fromStdString("vit-style" + at);
      // nn.MultiheadAttention: sequence first, heads folded into the batch, back again.
      QTest::newRow(("ViT with nn.MultiheadAttention" + at).c_str())
          << QString::fromStdString("vit-mha" + at);
      // torchvision's: its class token expanded to the batch and put before the patches.
      QTest::newRow(("torchvision's VisionTransformer" + at).c_str())
          << QString::fromStdString("torchvision-vit" + at);
      // Depthwise, ReLU6, inverted residuals, squeeze-excite with HardSigmoid, Hardswish.
      QTest::newRow(("MobileNetV2 with squeeze-excite" + at).c_str())
          << QString::fromStdString("mobilenet-style" + at);
    }
    QTest::newRow("torchvision's SwinTransformer, shifted windows") << "torchvision-swin-opset13";
    QTest::newRow("the same at opset 17") << "torchvision-swin-opset17";
    QTest::newRow("the same on 36 x 36: its tokens padded to whole windows")
        << "torchvision-swin-padded";
    // A Pad of zeros that no Conv or AveragePool takes as its padding: a Pad of its own.
    QTest::newRow("zeros padded before a max pool") << "zeros-before-max-pool";
    QTest::newRow("CIFAR ResNet's shortcut: x[:, :, ::2, ::2] padded with zero channels")
        << "option-a-shortcut";
    // 1-D: Conv, MaxPool, AveragePool, GlobalAveragePool and BatchNormalization over (N, C, L).
    QTest::newRow("Conv1d, PReLU, BatchNorm1d, MaxPool1d, AvgPool1d over (N, C, L)")
        << "one-dimensional";
    QTest::newRow("the same at opset 9") << "one-dimensional-opset9";
    // InstanceNormalization: a LayerNorm over each channel's values, scaled and shifted.
    QTest::newRow("GroupNorm on images and on (N, C, L), InstanceNorm2d")
        << "normalised-per-sample";
    QTest::newRow("the same at opset 9") << "normalised-per-sample-opset9";
    // LayerNorm without parameters (elementwise_affine=False), decomposed at opset 13 (PyTorch
    // 1.13 writes no valid LayerNormalization for it at 17: its scale input is left empty).
    QTest::newRow("nn.LayerNorm without parameters beside one with them") << "layer-norms";
    // Resize (Upsample before opset 10) by whole factors: nearest and bilinear.
    QTest::newRow("nn.Upsample nearest by 2 and by (2, 3): Resize; ConvTranspose")
        << "upsampled-nearest";
    QTest::newRow("the same at opset 9: Upsample") << "upsampled-nearest-opset9";
    QTest::newRow("nn.Upsample bilinear (align_corners=False)") << "upsampled-bilinear";
    QTest::newRow("the same at opset 11") << "upsampled-bilinear-opset11";
    QTest::newRow("F.interpolate to a size: Resize by sizes from the shape")
        << "interpolated-to-size";
    QTest::newRow("Neg, Exp, Log, Abs, Reciprocal, Softsign") << "elementwise-math";
    // Einsum: MatMuls batched over shared indices, constant weights, sums, "..." (from opset 12).
    QTest::newRow("torch.einsum: attention, weights, sums, three operands, ...")
        << "einsum-opset12";
    QTest::newRow("the same at opset 13") << "einsum-opset13";
    // LSTM, GRU and RNN, sequence first: the input a view, the outputs Y and Y_h views of the
    // engine's.
    QTest::newRow("nn.LSTM: two layers, bidirectional, outputs and last states read")
        << "recurrent";
    QTest::newRow("the same at opset 9") << "recurrent-opset9";
    QTest::newRow("nn.GRU: the same layers") << "recurrent-gru";
    QTest::newRow("the same at opset 9") << "recurrent-gru-opset9";
    QTest::newRow("nn.RNN: the same layers, tanh") << "recurrent-rnn";
    QTest::newRow("nn.RNN with relu") << "recurrent-rnn-relu";
    // Started from computed states (D, N, H), read batch first.
    QTest::newRow("seq2seq: a GRU encoder's last states start a GRU decoder")
        << "recurrent-started-gru";
    QTest::newRow("the same with nn.RNN") << "recurrent-started-rnn";
    QTest::newRow("nn.LSTM from h_0 and c_0 projected from the sequence")
        << "recurrent-started-lstm";
    // nn.TransformerEncoder sequence first: residual Adds of two views, LayerNorm (decomposed at
    // opset 13) and GELU on views.
    for (const char* name :
         {"sequence-first-encoder-opset13", "sequence-first-encoder-opset17",
          "sequence-first-encoder-norm-first-opset13", "sequence-first-encoder-norm-first-opset17"})
      QTest::newRow(name) << name;
    QTest::newRow("a gate of one value per token, (T, N, 1) * (T, N, E)") << "sequence-first-gate";
    // Before opset 10: ceil mode as more padding at the end; sizes computed in doubles.
    QTest::newRow("MaxPool in ceil mode at opset 9 (pads longer at the end)")
        << "ceil-mode-pooling-opset9";
    QTest::newRow("torchvision's ShuffleNetV2 at opset 8, batch 1, its last maps 1 x 1")
        << "torchvision-shufflenet-opset8";
    // Exported with the batch fixed (torch.onnx.export's default): sizes computed from it are
    // numbers, read with the batch free again; run on 4 samples.
    // torchvision's ViT as it is made, its class token zeros: expanded to the batch, it is the
    // token still (it was taken for a recurrent layer's zero state and refused at the Concat).
    QTest::newRow("torchvision's VisionTransformer, class token zeros")
        << "torchvision-vit-zero-token";
    for (const char* name :
         {"recurrent", "torchvision-vit", "torchvision-vit-zero-token", "torchvision-swin",
          "vit-mha", "sequence-first-mha", "flattened-by-size"})
      for (int batch : {1, 2}) {
        const std::string row = std::string(name) + "-batch" + std::to_string(batch);
        QTest::newRow(row.c_str()) << QString::fromStdString(row);
      }
  }

  void importedModelsMatchPyTorch() {
    QFETCH(QString, name);
    const ModelFile imported = importOnnx(file(name.toStdString() + ".onnx"));
    // A batch the file fixes is said to be read as a free one, and only then.
    const bool fixedBatch = name.contains("-batch") || name.contains("shufflenet");
    QCOMPARE(imported.notes.size(), size_t{fixedBatch});
    if (fixedBatch)
      QVERIFY2(imported.notes[0].find("': the file fixes its batch at ") != std::string::npos &&
                   imported.notes[0].find("; read with the batch free, any batch runs") !=
                       std::string::npos,
               imported.notes[0].c_str());
    // A node is named after its ONNX value, with one "/engine" where it is a view's engine value
    // (the name shows in profiles and the designer).
    for (const NodeSpec& node : imported.spec.nodes)
      QVERIFY2(node.name.find("/engine/engine") == std::string::npos, node.name.c_str());
    // Each parameter trains alone: none shares memory with another, shared initializers too.
    std::set<const void*> memory;
    for (const Parameter& p : imported.params.all())
      QVERIFY2(memory.insert(p.value.raw()).second, p.name.c_str());
    // Through the model file too: what `twb-engine import` writes is what runs.
    saveModel(file(name.toStdString() + ".twbm"), imported.spec, imported.params);
    ModelFile model = loadModel(file(name.toStdString() + ".twbm"));
    const TensorFile io = readTensorFile(file(name.toStdString() + ".io"));
    const Tensor* image = io.find("image");
    const Tensor* logits = io.find("logits");
    QVERIFY(image && logits);
    // The model trains PyTorch's parameters, no more: a LayerNorm, GroupNorm or InstanceNorm
    // brings its own and nothing else. Where the file says less than the model, not:
    const bool countsDiffer =
        name.startsWith("resnet18-cifar") || name.startsWith("mobilenet-style") ||
        name.startsWith("torchvision-shufflenet") ||  // BatchNorm folded into convolutions
        name == "shared-weights" ||                   // each use of an initializer trains alone
        name.startsWith("torchvision-swin") ||  // the position table gathered per window, untied
        name.startsWith("convnext-style");      // a buffer is an initializer like a parameter
    const Tensor* parameters = io.find("parameters");
    QVERIFY(parameters);
    if (!countsDiffer)
      QCOMPARE(Graph::build(model.spec, 1).parameterCount(),
               static_cast<int64_t>(parameters->data<float>()[0]));
    Executor exec(Graph::build(model.spec, image->shape()[0]), model.params, {ExecMode::infer});
    std::memcpy(exec.inputBuffer("image"), image->raw(), image->bytes());
    exec.forward();
    const auto ours = exec.read(model.spec.outputs[0]);
    QCOMPARE(static_cast<int64_t>(ours.size()), logits->numel());
    const double error = test::relativeError(ours.data(), logits->data<float>(), logits->numel());
    QVERIFY2(error <= 1e-4, std::to_string(error).c_str());
  }

  // SiLU, Hardswish and Mish as PyTorch writes them (x times a gate of x) are one op each again.
  void gatedActivationsAreOneOpEach() {
    for (const char* name : {"activations-opset11", "activations", "activations-opset17"}) {
      std::multiset<std::string> ops;
      for (const NodeSpec& node : importOnnx(file(std::string(name) + ".onnx")).spec.nodes)
        ops.insert(node.op);
      for (const char* op : {"SiLU", "Hardswish", "Mish", "ELU", "Softplus"})
        QVERIFY2(ops.count(op) == 1, (std::string(name) + ": " + op).c_str());
      for (const char* op : {"Mul", "Tanh", "Sigmoid"})
        QVERIFY2(ops.count(op) == 0, (std::string(name) + ": " + op).c_str());
    }
  }

  // A text model's sequence length left free by the file is given at import; without it, or
  // given wrong, the error names the input and what to give.
  void aFreeSequenceLengthIsGivenAtImport() {
    const std::string path = file("text-free-length.onnx");
    const std::string missing = test::errorOf([&] { importOnnx(path); });
    QVERIFY2(missing.find("input 'image': dimension 1 ('sequence') has no fixed size; give the "
                          "input's dimensions after the batch (--input-shape image=D1xD2...)") !=
                 std::string::npos,
             missing.c_str());
    // Every input that needs sizes is named at once, for a caller that asks for them.
    try {
      importOnnx(file("two-free-inputs.onnx"), {{"tokens", {7}}});
      QFAIL("the picture's sizes are free");
    } catch (const FreeInputSizes& e) {
      QCOMPARE(e.inputs().size(), size_t{1});
      QCOMPARE(e.inputs()[0].name, std::string("picture"));
      QCOMPARE(toString(e.inputs()[0].dims), std::string("[3, 0, 0]"));
      QVERIFY(e.inputs()[0].symbols == std::vector<std::string>({"", "height", "width"}));
    }
    const std::string both = test::errorOf([&] { importOnnx(file("two-free-inputs.onnx")); });
    QVERIFY2(both.find("input 'tokens': dimension 1 ('sequence') has no fixed size; input "
                       "'picture': dimension 2 ('height') has no fixed size; give the inputs' "
                       "dimensions after the batch (--input-shape tokens=D1xD2... --input-shape "
                       "picture=D1xD2...)") != std::string::npos,
             both.c_str());
    const std::string rank = test::errorOf([&] { importOnnx(path, {{"image", {12, 2}}}); });
    QVERIFY2(rank.find("input 'image' has 1 dimension(s) after the batch; the shape given for "
                       "it, [12, 2], has 2") != std::string::npos,
             rank.c_str());
    const std::string contradicts = test::errorOf([&] {
      importOnnx(file("mlp.onnx"), {{"image", {1, 28, 27}}});
    });
    QVERIFY2(contradicts.find("input 'image': the file fixes dimension 3 at 28, not 27") !=
                 std::string::npos,
             contradicts.c_str());
    const std::string zero = test::errorOf([&] { importOnnx(path, {{"image", {0}}}); });
    QVERIFY2(zero.find("input 'image': the size given for dimension 1, 0, is not a size (at "
                       "least 1)") != std::string::npos,
             zero.c_str());
    // The file's shape arithmetic computes with the size; past 32 bits it is refused, not wrapped.
    const std::string huge = test::errorOf([&] {
      importOnnx(path, {{"image", {int64_t{1} << 31}}});
    });
    QVERIFY2(huge.find("(Gather): computes 2147483648, past the 32-bit integers of the engine's "
                       "shape arithmetic") != std::string::npos,
             huge.c_str());
    const std::string stranger = test::errorOf([&] { importOnnx(path, {{"ids", {12}}}); });
    QVERIFY2(stranger.find("a shape is given for input 'ids', which the graph lacks") !=
                 std::string::npos,
             stranger.c_str());
    ModelFile model = importOnnx(path, {{"image", {12}}});
    const TensorFile io = readTensorFile(file("text-free-length.io"));
    Executor exec(Graph::build(model.spec, io.find("image")->shape()[0]), model.params,
                  {ExecMode::infer});
    std::memcpy(exec.inputBuffer("image"), io.find("image")->raw(), io.find("image")->bytes());
    exec.forward();
    const auto ours = exec.read(model.spec.outputs[0]);
    const Tensor* logits = io.find("logits");
    QCOMPARE(static_cast<int64_t>(ours.size()), logits->numel());
    const double error = test::relativeError(ours.data(), logits->data<float>(), logits->numel());
    QVERIFY2(error <= 1e-4, std::to_string(error).c_str());
    // The command line's form of it: NAME=D1xD2..., each a size.
    const test::EngineRun bad =
        test::runEngine({"import", QString::fromStdString(path), "--out",
                         QString::fromStdString(file("text.twbm")), "--input-shape", "image=12x"});
    QVERIFY2(bad.finished && bad.exitCode != 0 &&
                 bad.output.contains("--input-shape image=12x: '' is not a size"),
             qPrintable(bad.output));
    const test::EngineRun good =
        test::runEngine({"import", QString::fromStdString(path), "--out",
                         QString::fromStdString(file("text.twbm")), "--input-shape", "image=12"});
    QVERIFY2(good.finished && good.exitCode == 0, qPrintable(good.output));
  }

  // A text model trains on synthetic token ids (synthetic:...:ids=VOCABULARY); on plain synthetic
  // noise its Embedding refuses the first id, naming itself and the table's range.
  void aTextModelTrainsOnSyntheticTokenIds() {
    const auto jobWith = [&](const std::string& name, const std::string& dataset) {
      const std::string path = file(name + ".json");
      std::ofstream(path) << nlohmann::json{
          {"model", {{"file", file("text-free-length.onnx")}, {"input_shape", {{"image", {12}}}}}},
          {"dataset", dataset},
          {"batch", 16},
          {"max_steps", 4}};
      return QString::fromStdString(path);
    };
    const test::EngineRun ids =
        test::runEngine({"train", jobWith("text-ids", "synthetic:12:4:200:ids=50"), "--out",
                         QString::fromStdString(file("text-run"))});
    QVERIFY2(ids.finished && ids.exitCode == 0, qPrintable(ids.output));
    QVERIFY2(ids.output.contains("test accuracy"), qPrintable(ids.output));
    const test::EngineRun noise =
        test::runEngine({"train", jobWith("text-noise", "synthetic:12:4:200"), "--out",
                         QString::fromStdString(file("noise-run"))});
    QVERIFY2(noise.finished && noise.exitCode == 1 &&
                 QRegularExpression("token id -?[0-9.e+-]+ of sample [0-9]+, position [0-9]+, is "
                                    "not an integer in \\[0, 50\\)")
                     .match(noise.output)
                     .hasMatch(),
             qPrintable(noise.output));
  }

  // Every command that reads a model file takes them as import does: predict gives PyTorch's
  // outputs, eval its answers, export and quantize write the model with them; given where no
  // file leaves a size free, they are refused naming the model.
  void everyCommandReadingAModelTakesTheSizes() {
    const QString onnx = QString::fromStdString(file("text-free-length.onnx"));
    const TensorFile io = readTensorFile(file("text-free-length.io"));
    const Tensor& ids = *io.find("image");
    const Tensor& logits = *io.find("logits");
    writeNpyFile(file("ids.npy"), ids);
    // Labels the PyTorch model answers: eval's accuracy is 100 % exactly when ours agree.
    const int64_t samples = ids.shape()[0], classes = logits.shape()[1];
    Tensor answers({samples}, DType::f32);
    for (int64_t i = 0; i < samples; ++i) {
      const float* row = logits.data<float>() + i * classes;
      answers.data<float>()[i] = static_cast<float>(std::max_element(row, row + classes) - row);
    }
    writeNpyFile(file("answers.npy"), answers);
    const QString data =
        QString::fromStdString("npy:" + file("ids.npy") + "," + file("answers.npy"));
    const QString sizes = "image=12";

    const test::EngineRun predicted =
        test::runEngine({"predict", onnx, "--input-shape", sizes, "--input",
                         QString::fromStdString(file("ids.npy")), "--out",
                         QString::fromStdString(file("predicted.npy"))});
    QVERIFY2(predicted.finished && predicted.exitCode == 0, qPrintable(predicted.output));
    const Tensor outputs = readNpyFile(file("predicted.npy"));
    QCOMPARE(outputs.numel(), logits.numel());
    const double error =
        test::relativeError(outputs.data<float>(), logits.data<float>(), logits.numel());
    QVERIFY2(error <= 1e-4, std::to_string(error).c_str());

    const test::EngineRun evaluated =
        test::runEngine({"eval", onnx, "--input-shape", sizes, "--dataset", data, "--json"});
    QVERIFY2(evaluated.finished && evaluated.exitCode == 0, qPrintable(evaluated.output));
    const auto report = nlohmann::json::parse(
        evaluated.output.mid(evaluated.output.lastIndexOf("\n{") + 1).toStdString());
    QCOMPARE(report["accuracy"].get<double>(), 1.0);

    for (const QString command : {"export", "quantize"}) {
      const QString out =
          QString::fromStdString(file("sized-by-" + command.toStdString() + ".twbm"));
      QStringList args = {command, onnx, "--input-shape", sizes, "--out", out};
      if (command == "quantize")
        args << "--calib" << data << "--samples"
             << "8"
             << "--no-throughput";
      const test::EngineRun written = test::runEngine(args);
      QVERIFY2(written.finished && written.exitCode == 0, qPrintable(written.output));
      const ModelFile model = loadModel(out.toStdString());
      QCOMPARE(toString(model.spec.inputs[0].shape), std::string("[12]"));
      QCOMPARE(model.quant.has_value(), command == "quantize");
    }

    // bench's random inputs are token ids here, as the Embedding reading them takes: training
    // steps, and inference in every precision (int8 calibrated on them).
    for (const QString mode : {"train", "infer"}) {
      QStringList args = {"bench",   onnx, "--input-shape", sizes, "--mode",   mode,
                          "--batch", "2",  "--steps",       "1",   "--warmup", "0"};
      if (mode == "infer")
        args << "--precision"
             << "all";
      const test::EngineRun timed = test::runEngine(args);
      QVERIFY2(timed.finished && timed.exitCode == 0, qPrintable(timed.output));
    }

    // Without them, each command names what to give; given where they have no place, refused.
    const test::EngineRun unsized = test::runEngine({"eval", onnx, "--dataset", data});
    QVERIFY2(unsized.finished && unsized.exitCode != 0 &&
                 unsized.output.contains("input 'image': dimension 1 ('sequence') has no fixed "
                                         "size; give the input's dimensions after the batch "
                                         "(--input-shape image=D1xD2...)"),
             qPrintable(unsized.output));
    const QString job = QString::fromStdString(file("text-job.json"));
    std::ofstream(job.toStdString())
        << R"({"model": {"file": "text-free-length.onnx", "input_shape": {"image": [12]}}})";
    const struct {
      QStringList args;
      QString said;
    } refused[] = {
        {{"bench", job, "--input-shape", sizes},
         job + ": --input-shape is for an ONNX model file; a job gives the sizes its model file "
               "leaves free in its model's \"input_shape\""},
        {{"export", job, "--input-shape", sizes, "--out", "x.onnx"},
         job + ": --input-shape is for an ONNX model file"},
        {{"export", "mlp", "--input-shape", sizes, "--out", "x.onnx"},
         "mlp: --input-shape is for an ONNX model file; a template's sizes are fixed"},
        {{"export", QString::fromStdString(file("sized-by-export.twbm")), "--input-shape", sizes,
          "--out", "x.onnx"},
         "sized-by-export.twbm: input shapes are given for it, and only an ONNX file leaves "
         "sizes free"},
        {{"predict", onnx, "--input-shape", sizes, "--input-shape", "image=7", "--input", "x.npy",
          "--out", "y.npy"},
         "--input-shape: input 'image' is given twice"},
        {{"quantize", onnx, "--input-shape", "image=12x", "--calib", data, "--out", "x.twbm"},
         "--input-shape image=12x: '' is not a size"},
    };
    for (const auto& [args, said] : refused) {
      const test::EngineRun run = test::runEngine(args);
      QVERIFY2(run.finished && run.exitCode == 1 && run.output.contains(said),
               qPrintable(args.join(' ') + ":\n" + run.output));
    }
  }

  // A job gives them in its model's "input_shape"; wrong or missing ones are named there.
  void aJobGivesTheSizesAFileLeavesFree_data() {
    QTest::addColumn<QString>("model");
    QTest::addColumn<QString>("said");  // empty: the job reads
    QTest::newRow("given") << R"({"file": "text-free-length.onnx", "input_shape": {"image": [12]}})"
                           << "";
    QTest::newRow("both given")
        << R"({"file": "two-free-inputs.onnx",
               "input_shape": {"tokens": [9], "picture": [3, 6, 5]}})"
        << "";
    QTest::newRow("missing")
        << R"({"file": "two-free-inputs.onnx", "input_shape": {"tokens": [9]}})"
        << "model.file: " + m_dir.filePath("two-free-inputs.onnx") +
               ": input 'picture': dimension 2 ('height') has no fixed size; give the sizes after "
               "the batch in the model's \"input_shape\": {\"picture\": [3, height, width]}, "
               "with a size in place of each name";
    QTest::newRow("zero") << R"({"file": "text-free-length.onnx", "input_shape": {"image": [0]}})"
                          << "model.input_shape.image: must be a list of sizes of at least 1";
    QTest::newRow("not an object")
        << R"({"file": "text-free-length.onnx", "input_shape": [12]})"
        << "model.input_shape: must be an object of input names and their sizes after the batch";
    QTest::newRow("unknown input")
        << R"({"file": "text-free-length.onnx", "input_shape": {"ids": [12]}})"
        << "a shape is given for input 'ids', which the graph lacks";
    QTest::newRow("a .twbm") << R"({"file": "mlp.twbm", "input_shape": {"image": [1, 28, 28]}})"
                             << "mlp.twbm: input shapes are given for it, and only an ONNX file "
                                "leaves sizes free";
    QTest::newRow("no file") << R"({"template": "mlp", "input_shape": {"image": [12]}})"
                             << "model.input_shape: gives the sizes a model file leaves free";
  }

  void aJobGivesTheSizesAFileLeavesFree() {
    QFETCH(QString, model);
    QFETCH(QString, said);
    const std::string job = file("sizes-job.json");
    const ModelFile mlp = importOnnx(file("mlp.onnx"));
    saveModel(file("mlp.twbm"), mlp.spec, mlp.params);
    std::ofstream(job) << R"({"model": )" << model.toStdString() << "}";
    if (said.isEmpty()) {
      const JobConfig config = JobConfig::load(job);
      const nlohmann::json given = nlohmann::json::parse(model.toStdString())["input_shape"];
      QCOMPARE(config.model.inputs.size(), given.size());
      for (const InputSpec& input : config.model.inputs)
        QCOMPARE(toString(input.shape), toString(given[input.name].get<Shape>()));
      return;
    }
    const std::string error = test::errorOf([&] { JobConfig::load(job); });
    QVERIFY2(error.find(said.toStdString()) != std::string::npos, error.c_str());
  }

  // twb-engine predict on the ONNX file itself and PyTorch's inputs as .npy (NumPy's own files)
  // gives PyTorch's outputs, in an odd batch that leaves a short last one.
  void predictGivesPyTorchsOutputs_data() {
    QTest::addColumn<QString>("name");
    for (const char* name :
         {"lenet5", "resnet18-cifar", "activations-opset11", "layer-norm-opset17", "attention",
          "gating", "mean-pooled", "vit-style-opset11", "vit-mha-opset17",
          "torchvision-vit-opset13", "mobilenet-style-opset13", "torchvision-swin-opset17",
          "torchvision-swin-batch1"})
      QTest::newRow(name) << name;
  }

  void predictGivesPyTorchsOutputs() {
    QFETCH(QString, name);
    const QString base = QString::fromStdString(file(name.toStdString()));
    const test::EngineRun run =
        test::runEngine({"predict", base + ".onnx", "--input", base + ".input.npy", "--out",
                         base + ".predicted.npy", "--batch", "3"});
    QVERIFY2(run.finished && run.exitCode == 0, qPrintable(run.output));
    // A batch the file fixes is said to be read as a free one.
    QCOMPARE(run.output.contains("the file fixes its batch at 1; read with the batch free"),
             name.endsWith("-batch1"));
    const Tensor ours = readNpyFile((base + ".predicted.npy").toStdString());
    const Tensor torch = readNpyFile((base + ".output.npy").toStdString());
    QCOMPARE(toString(ours.shape()), toString(torch.shape()));
    const double error =
        test::relativeError(ours.data<float>(), torch.data<float>(), torch.numel());
    QVERIFY2(error <= 1e-4, std::to_string(error).c_str());
  }

  // A job that trains a file fixing its batch says so once; with two ranks rank 0 says it (each
  // rank reads the file itself).
  void aJobOnAFixedBatchFileSaysTheBatchIsFree_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<int>("ranks");
    QTest::addColumn<int>("said");
    QTest::newRow("batch fixed, 1 rank") << "flattened-by-size-batch1.onnx" << 1 << 1;
    QTest::newRow("batch fixed, 2 ranks") << "flattened-by-size-batch2.onnx" << 2 << 1;
    QTest::newRow("batch free") << "mlp.onnx" << 1 << 0;
  }

  void aJobOnAFixedBatchFileSaysTheBatchIsFree() {
    QFETCH(QString, file);
    QFETCH(int, ranks);
    QFETCH(int, said);
    const bool image = file.startsWith("flattened");
    const QString job = m_dir.filePath("fine-tune.json"), run = m_dir.filePath("fine-tune-run");
    std::ofstream(job.toStdString())
        << nlohmann::json{{"model", {{"file", file.toStdString()}}},
                          {"dataset", image ? "synthetic:3x8x8:5" : "synthetic:1x28x28:10"},
                          {"batch", 4},
                          {"max_steps", 2},
                          {"epochs", 0},
                          {"threads", 1}};
    QStringList args{"train", job, "--out", run};
    if (ranks > 1) args << "--ranks" << QString::number(ranks);
    const test::EngineRun trained = test::runEngine(args);
    QVERIFY2(trained.finished && trained.exitCode == 0, qPrintable(trained.output));
    const QString note = QString(
                             "model.file: input 'image': the file fixes its batch at %1; read "
                             "with the batch free, any batch runs")
                             .arg(file.contains("batch2") ? 2 : 1);
    QVERIFY2(trained.output.count(image ? note : "model.file:") == said,
             qPrintable(trained.output));
    QVERIFY(QDir(run).removeRecursively());
  }

  // Swin's attention mask is computed by the model, not learned: imported as a fixed tensor that
  // training leaves alone, while the relative position biases (the file's initializers) learn.
  void computedConstantsStayFixed_data() {
    QTest::addColumn<bool>("exported");
    QTest::newRow("PyTorch's export") << false;
    // Written as a Constant node, read back fixed; the file's parameters stay initializers.
    QTest::newRow("the import exported again") << true;
  }

  void computedConstantsStayFixed() {
    QFETCH(bool, exported);
    ModelFile imported = importOnnx(file("torchvision-swin-opset13.onnx"));
    if (exported) {
      exportOnnx(file("swin-again.onnx"), imported.spec, imported.params);
      imported = importOnnx(file("swin-again.onnx"));
    }
    int64_t total = 0, fixed = 0, masks = 0;
    for (const NodeSpec& node : imported.spec.nodes) {
      if (node.op != "Bias" || !node.attrs.value("fixed", false)) continue;
      const Parameter* mask = imported.params.find(node.name + ".bias");
      QVERIFY2(mask, node.name.c_str());
      std::set<float> values(mask->value.data<float>(),
                             mask->value.data<float>() + mask->value.numel());
      QVERIFY(values == (std::set<float>{-100.f, 0.f}));  // masked_fill's two values
      fixed += mask->value.numel();
      ++masks;
    }
    QCOMPARE(masks, 1);  // the one shifted block: the second stage's window covers it whole
    for (const Parameter& p : imported.params.all()) total += p.value.numel();
    QCOMPARE(Graph::build(imported.spec, 1).parameterCount(), total - fixed);
  }

  void badFilesGiveClearErrors() {
    const std::string mlp = file("mlp.onnx");
    const std::string cut = file("cut.onnx");
    std::filesystem::copy_file(mlp, cut);
    std::filesystem::resize_file(cut, 1000);
    QVERIFY(test::errorOf([&] {
              importOnnx(cut);
            }).find("not an ONNX model (or a truncated one)") != std::string::npos);
    const std::string text = file("text.onnx");
    std::ofstream(text) << "this is not a model\n";
    QVERIFY(test::errorOf([&] { importOnnx(text); }).find("not an ONNX model") !=
            std::string::npos);
    QVERIFY(test::errorOf([&] {
              importOnnx(file("unsupported.onnx"));
            }).find("(Selu): unsupported op") != std::string::npos);
    // Malformed integer constants to fold: refused naming the node and what is wrong.
    for (const auto& [name, expected] : std::vector<std::pair<std::string, std::string>>{
             {"huge", "(ConstantOfShape): a constant of shape [1048576, 1048576] is not folded"},
             {"negative", "(ConstantOfShape): a constant of shape [2, -3] is not folded"},
             {"reshape", "(Reshape): a shape of another size than its input"},
             {"perm", "(Transpose): perm is not a permutation of the input's axes"},
             {"slice", "(Slice): starts, ends, axes and steps of different lengths"},
             {"concat", "(Concat): inputs of different ranks"},
             {"broadcast", "(Mul): inputs of shapes that do not broadcast"},
             {"divide", "(Div): a division by zero"},
             {"batch-equal", "(Equal): a comparison whose answer depends on the batch size"},
             {"short-where", "(Where): needs 3 inputs"}}) {
      const std::string error =
          test::errorOf([&] { importOnnx(file("bad-fold-" + name + ".onnx")); });
      QVERIFY2(error.find(expected) != std::string::npos, (name + ": " + error).c_str());
    }
    QVERIFY(test::errorOf([&] { importOnnx(file("corner-aligned.onnx")); })
                .find("(Resize): linear resizing with coordinate_transformation_mode "
                      "'align_corners' is not supported") != std::string::npos);
    QVERIFY(test::errorOf([&] { importOnnx(file("lstm-cell-read.onnx")); })
                .find("(LSTM): output Y_c (the last cell state) is read; only Y and Y_h are "
                      "supported") != std::string::npos);
    QVERIFY(test::errorOf([&] {
              importOnnx(file("lstm-lengths.onnx"));
            }).find("(LSTM): sequence_lens is not supported: every sequence runs all steps") !=
            std::string::npos);
    QVERIFY(test::errorOf([&] { importOnnx(file("gru-learned-state.onnx")); })
                .find("(GRU): initial_h is a learned or constant state expanded to the batch; "
                      "the engine's recurrent ops start from zeros") != std::string::npos);
    QVERIFY(test::errorOf([&] { importOnnx(file("lstm-cell-state-only.onnx")); })
                .find("(LSTM): initial_c is given while initial_h is zeros; an LSTM given a cell "
                      "state takes its hidden state too") != std::string::npos);
    QVERIFY(test::errorOf([&] { importOnnx(file("gru-reset-first.onnx")); })
                .find("(GRU): linear_before_reset 0 (the reset gate before the hidden state's "
                      "product) is not supported; PyTorch's nn.GRU writes 1") != std::string::npos);
    QVERIFY(test::errorOf([&] {
              importOnnx(file("einsum-diagonal.onnx"));
            }).find("(Einsum): index 'i' repeats in 'nii' (a diagonal), which is not supported") !=
            std::string::npos);
    QVERIFY(test::errorOf([&] {
              importOnnx(file("einsum-batch-summed.onnx"));
            }).find("(Einsum): it sums over index 'n', the batch") != std::string::npos);
    QVERIFY(test::errorOf([&] {
              importOnnx(file("reflect-pad.onnx"));
            }).find("(Pad): only constant padding is supported, not reflect") != std::string::npos);
    QVERIFY(test::errorOf([&] {
              importOnnx(file("no_output.onnx"));
            }).find("graph output 'nobody_makes_this' is not produced by any node") !=
            std::string::npos);
    // A token id outside the embedding's table stops predict with the node, id, and the sample and
    // position (in the file's order) that hold it.
    Tensor ids({2, 6}, DType::f32);
    ids.data<float>()[7] = 25;
    writeNpyFile(file("bad-ids.npy"), ids);
    const test::EngineRun badIds =
        test::runEngine({"predict", QString::fromStdString(file("embedding.onnx")), "--input",
                         QString::fromStdString(file("bad-ids.npy")), "--out",
                         QString::fromStdString(file("bad-ids.out.npy"))});
    QVERIFY2(badIds.finished && badIds.exitCode == 1, qPrintable(badIds.output));
    QVERIFY2(badIds.output.contains(
                 "node '/0/Gather_output_0': token id 25 of sample 1, position 1, is not an "
                 "integer in [0, 20)"),
             qPrintable(badIds.output));
    const std::string moved =
        test::errorOf([&] { importOnnx(file("sequence-first-output.onnx")); });
    QVERIFY2(
        moved.find("graph output 'logits' has its batch moved off axis 0") != std::string::npos,
        moved.c_str());
    // External data: outside the model's folder, missing, cut short.
    QVERIFY2(test::errorOf([&] { importOnnx(file("external-escape.onnx")); })
                     .find("external data location '../lenet5-external.weights' leaves the "
                           "model's folder") != std::string::npos,
             "external data outside the folder");
    QTemporaryDir elsewhere;
    const std::string relocated = elsewhere.filePath("lenet5.onnx").toStdString();
    std::filesystem::copy_file(file("lenet5-external.onnx"), relocated);
    const std::string missing = test::errorOf([&] { importOnnx(relocated); });
    QVERIFY2(missing.find("cannot open its external data file") != std::string::npos &&
                 missing.find("lenet5-external.weights") != std::string::npos,
             missing.c_str());
    const std::string weights = elsewhere.filePath("lenet5-external.weights").toStdString();
    std::filesystem::copy_file(file("lenet5-external.weights"), weights);
    std::filesystem::resize_file(weights, std::filesystem::file_size(weights) / 2);
    const std::string shortFile = test::errorOf([&] { importOnnx(relocated); });
    QVERIFY2(shortFile.find("lie past the end of") != std::string::npos, shortFile.c_str());
    QVERIFY(test::errorOf([&] { importOnnx(file("asymmetric-qdq.onnx")); })
                .find("(QuantizeLinear): a zero point other than 0 (asymmetric int8) is not "
                      "supported") != std::string::npos);
    const std::string sum = test::errorOf([&] { importOnnx(file("sequence-first-sum.onnx")); });
    QVERIFY2(sum.find("(Add): input") != std::string::npos &&
                 sum.find("has its batch moved off axis 0") != std::string::npos,
             sum.c_str());
    const std::string batchCut = test::errorOf([&] { importOnnx(file("batch-cut.onnx")); });
    QVERIFY2(batchCut.find("(Reshape): dimension 0 of the target shape (2) cuts the batch") !=
                 std::string::npos,
             batchCut.c_str());
    // The same exported with the batch fixed: no reading of its numbers keeps the samples apart.
    const std::string fixedBatch = test::errorOf([&] { importOnnx(file("fixed-batch-cut.onnx")); });
    QVERIFY2(fixedBatch.find("(Reshape): dimension 0 of the target shape (2) cuts the batch") !=
                     std::string::npos &&
                 fixedBatch.find("(the file fixes the batch of input 'image' at 4, and no "
                                 "dimension of this target holds those 4 samples apart from the "
                                 "rest, as a model that runs each sample alone does)") !=
                     std::string::npos,
             fixedBatch.c_str());
    const std::string expandedInput =
        test::errorOf([&] { importOnnx(file("expanded-input.onnx")); });
    QVERIFY2(
        expandedInput.find("(Expand): only an Expand of a float constant to a shape computed "
                           "from the batch (ViT's class token) is supported") != std::string::npos,
        expandedInput.c_str());
    const std::string addedToken = test::errorOf([&] { importOnnx(file("added-token.onnx")); });
    QVERIFY2(addedToken.find("(Add): input '") != std::string::npos &&
                 addedToken.find("' is a constant expanded to the batch, which the engine keeps "
                                 "only as tokens a Concat puts before a computed value's") !=
                     std::string::npos,
             addedToken.c_str());
    QVERIFY(test::errorOf([&] { importOnnx(file("missing.onnx")); }).find("cannot open") !=
            std::string::npos);
  }
};

QTEST_APPLESS_MAIN(TestOnnxImport)
#include "tst_onnx_import.moc"
