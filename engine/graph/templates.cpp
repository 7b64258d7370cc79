#include "graph/templates.h"

#include "core/error.h"
#include "core/json_object.h"
#include "graph/mobilenet.h"
#include "graph/resnet.h"
#include "graph/vit.h"

namespace twb {

namespace {
// Appends nodes one after another, each reading the previous one.
class SequentialBuilder {
 public:
  SequentialBuilder(std::string name, Shape input) {
    m_spec.name = std::move(name);
    m_spec.inputs.push_back({"image", std::move(input), DType::f32});
    m_last = "image";
  }
  SequentialBuilder& add(const std::string& name, const std::string& op,
                         nlohmann::json attrs = nlohmann::json::object()) {
    m_spec.nodes.push_back({name, op, {m_last}, std::move(attrs)});
    m_last = name;
    return *this;
  }
  ModelSpec finish() {
    m_spec.outputs = {m_last};
    return m_spec;
  }

 private:
  ModelSpec m_spec;
  std::string m_last;
};

ModelSpec mlp(JsonObject& args, const Shape& input, int64_t classes) {
  std::vector<int64_t> hidden{512, 256};
  if (args.has("hidden")) hidden = args.integers("hidden");
  for (int64_t h : hidden)
    if (h <= 0) throw args.error("hidden", "sizes must be > 0");
  const double dropout = args.number("dropout", 0.0);
  if (dropout < 0 || dropout >= 1) throw args.badValue("dropout", "must be within [0, 1)");
  SequentialBuilder b("mlp", input);
  b.add("flatten", "Flatten");
  for (size_t i = 0; i < hidden.size(); ++i) {
    const std::string n = std::to_string(i + 1);
    b.add("fc" + n, "Linear", {{"out_features", hidden[i]}}).add("relu" + n, "ReLU");
    if (dropout > 0) b.add("drop" + n, "Dropout", {{"p", dropout}});
  }
  return b.add("logits", "Linear", {{"out_features", classes}}).finish();
}

// LeNet-5 with ReLU and max pooling; 28x28 inputs are padded by 2 as in the original's 32x32.
ModelSpec lenet5(const Shape& input, int64_t classes) {
  SequentialBuilder b("lenet5", input);
  return b.add("conv1", "Conv2d", {{"out_channels", 6}, {"kernel", 5}, {"padding", 2}})
      .add("relu1", "ReLU")
      .add("pool1", "MaxPool2d", {{"kernel", 2}})
      .add("conv2", "Conv2d", {{"out_channels", 16}, {"kernel", 5}})
      .add("relu2", "ReLU")
      .add("pool2", "MaxPool2d", {{"kernel", 2}})
      .add("flatten", "Flatten")
      .add("fc1", "Linear", {{"out_features", 120}})
      .add("relu3", "ReLU")
      .add("fc2", "Linear", {{"out_features", 84}})
      .add("relu4", "ReLU")
      .add("logits", "Linear", {{"out_features", classes}})
      .finish();
}

// conv 3x3 -> 32, ReLU, max-pool 2, conv 3x3 -> 64, ReLU, max-pool 2, Linear -> 128, ReLU,
// Linear -> classes. On 28x28 inputs the flattened features are 64*7*7 = 3136. With
// "batch_norm", each convolution (then without bias, as in torchvision's *_bn models) is
// followed by BatchNorm2d.
ModelSpec cnnSmall(JsonObject& args, const Shape& input, int64_t classes) {
  const bool batchNorm = args.boolean("batch_norm", false);
  SequentialBuilder b("cnn-small", input);
  for (int i : {1, 2}) {
    const std::string n = std::to_string(i);
    b.add("conv" + n, "Conv2d",
          {{"out_channels", 32 * i}, {"kernel", 3}, {"padding", 1}, {"bias", !batchNorm}});
    if (batchNorm) b.add("bn" + n, "BatchNorm2d");
    b.add("relu" + n, "ReLU").add("pool" + n, "MaxPool2d", {{"kernel", 2}});
  }
  return b.add("flatten", "Flatten")
      .add("fc1", "Linear", {{"out_features", 128}})
      .add("relu3", "ReLU")
      .add("logits", "Linear", {{"out_features", classes}})
      .finish();
}
// An image's rows as a sequence: (C, H, W) read as C * H steps of W pixels by "layers" stacked
// LSTMs (default 1) of "hidden" features (128), each "bidirectional" if asked, and the last
// step's output classified, as PyTorch's and Keras's sequential-MNIST examples do.
ModelSpec lstmRows(JsonObject& args, const Shape& input, int64_t classes) {
  if (input.size() != 3) throw args.error("input", "must be [channels, height, width]");
  const int64_t hidden = args.integer("hidden", 128), layers = args.integer("layers", 1);
  if (hidden < 1) throw args.error("hidden", "must be >= 1");
  if (layers < 1) throw args.error("layers", "must be >= 1");
  const bool bidirectional = args.boolean("bidirectional", false);
  const int64_t steps = input[0] * input[1];
  SequentialBuilder b("lstm", input);
  b.add("rows", "Reshape", {{"shape", {steps, input[2]}}});
  for (int64_t i = 1; i <= layers; ++i)
    b.add("lstm" + std::to_string(i), "LSTM",
          {{"hidden_size", hidden}, {"bidirectional", bidirectional}});
  return b.add("last_step", "Slice", {{"axis", 1}, {"start", steps - 1}, {"end", steps}})
      .add("flatten", "Flatten")
      .add("logits", "Linear", {{"out_features", classes}})
      .finish();
}

// Each size argument checked where it is read, so an error names it.
ModelSpec vit(JsonObject& args, const Shape& input, int64_t classes) {
  VitOptions o;
  auto positive = [&](const char* key, int64_t fallback) {
    const int64_t v = args.integer(key, fallback);
    if (v < 1) throw args.error(key, "must be >= 1");
    return v;
  };
  o.dim = positive("dim", o.dim);
  o.depth = positive("depth", o.depth);
  o.heads = positive("heads", o.heads);
  o.mlpRatio = positive("mlp_ratio", o.mlpRatio);
  if (o.dim % o.heads) throw args.error("heads", "must divide dim " + std::to_string(o.dim));
  if (input.size() != 3) throw args.error("input", "must be [channels, height, width]");
  // 7 cuts 28x28 into 4x4 tokens, 4 cuts 32x32 into 8x8.
  o.patch = positive("patch", input[1] % 7 == 0 && input[2] % 7 == 0 ? 7 : 4);
  if (input[1] % o.patch || input[2] % o.patch)
    throw args.error("patch", std::to_string(o.patch) +
                                  " must divide the input's height and width " + toString(input));
  return makeVit(input, classes, o);
}
}  // namespace

std::vector<TemplateInfo> templateList() {
  return {
      {"mlp",
       "Flatten, then Linear+ReLU per entry of \"hidden\" (default [512, 256]), "
       "optional \"dropout\", then Linear to the classes."},
      {"lenet5", "LeNet-5: two 5x5 convolutions with max pooling, then 120-84-classes."},
      {"cnn-small",
       "Two 3x3 convolutions (32, 64) with max pooling, then 128-classes; "
       "\"batch_norm\": true adds BatchNorm2d after each convolution."},
      {"resnet18", "ResNet-18 for 224x224 images (default input [3, 224, 224], 1000 classes)."},
      {"resnet34", "ResNet-34 for 224x224 images."},
      {"resnet50", "ResNet-50 (bottleneck blocks) for 224x224 images."},
      {"resnet18-cifar", "ResNet-18 with a 3x3 stem for 32x32 images (default [3, 32, 32], 10)."},
      {"resnet34-cifar", "ResNet-34, CIFAR form."},
      {"resnet50-cifar", "ResNet-50, CIFAR form."},
      {"mobilenet-v2-cifar",
       "MobileNetV2 for 32x32 images: inverted residuals with depthwise convolutions and "
       "ReLU6; \"width\" scales the channels (default 1.0), \"dropout\" before the "
       "classifier (default 0.2)."},
      {"lstm",
       "The image's rows as steps of an LSTM: \"layers\" (default 1) of \"hidden\" features "
       "(128), \"bidirectional\" if asked; the last step's output to the classes."},
      {"vit-tiny",
       "A small Vision Transformer: patches (\"patch\", default 7 for 28x28, else 4), "
       "\"depth\" pre-norm blocks (default 4) of \"heads\"-head self-attention (4) and a "
       "GELU MLP, tokens of \"dim\" (64), MLP width \"mlp_ratio\" x dim (2), mean-pooled."}};
}

ModelSpec makeTemplate(const std::string& name, const nlohmann::json& argsJson,
                       const std::string& path) {
  const nlohmann::json empty = nlohmann::json::object();
  JsonObject args(argsJson.is_null() ? empty : argsJson, path);
  // ResNets default to their datasets' shapes: ImageNet, or CIFAR-10 for the -cifar forms.
  const bool resnet = name.rfind("resnet", 0) == 0;
  const bool cifar = name.size() > 6 && name.substr(name.size() - 6) == "-cifar";
  Shape input = cifar ? Shape{3, 32, 32} : resnet ? Shape{3, 224, 224} : Shape{1, 28, 28};
  if (args.has("input")) input = args.integers("input");
  for (int64_t d : input)
    if (d <= 0) throw args.error("input", "sizes must be > 0");
  const int64_t classes = args.integer("classes", resnet && !cifar ? 1000 : 10);
  if (classes < 2) throw args.badValue("classes", "must be >= 2");
  ModelSpec spec;
  if (name == "mlp") {
    spec = mlp(args, input, classes);
  } else if (name == "lenet5") {
    spec = lenet5(input, classes);
  } else if (name == "cnn-small") {
    spec = cnnSmall(args, input, classes);
  } else if (resnet &&
             (name.substr(6, 2) == "18" || name.substr(6, 2) == "34" ||
              name.substr(6, 2) == "50") &&
             (name.size() == 8 || cifar)) {
    spec = makeResNet(std::stoi(name.substr(6, 2)), cifar, input, classes);
  } else if (name == "mobilenet-v2-cifar") {
    const double width = args.number("width", 1.0);
    if (width <= 0 || width > 4) throw args.badValue("width", "must be within (0, 4]");
    const double dropout = args.number("dropout", 0.2);
    if (dropout < 0 || dropout >= 1) throw args.badValue("dropout", "must be within [0, 1)");
    spec = makeMobileNetV2Cifar(input, classes, width, dropout);
  } else if (name == "vit-tiny") {
    spec = vit(args, input, classes);
  } else if (name == "lstm") {
    spec = lstmRows(args, input, classes);
  } else {
    std::string known;
    for (const auto& t : templateList()) known += (known.empty() ? "" : ", ") + t.name;
    throw Error("unknown template '" + name + "' (known: " + known + ")");
  }
  args.rejectUnknown();
  return spec;
}

}  // namespace twb
