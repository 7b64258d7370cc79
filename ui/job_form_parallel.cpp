#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QSpinBox>

#include "ui/form_widgets.h"
#include "ui/job_form.h"
#include "ui/node_checklist.h"

// The Job tab's Parallel group: the strategy, the nodes a data-parallel job runs across, its
// ranks and the options of its communication.
namespace twb {
namespace ui {

void JobForm::addParallelGroup(QFormLayout* parallel) {
  const size_t firstShower = m_fields.count();  // this group's
  // A yes / no option of the parallel block: its row label, the box's text and tooltip, and
  // where the node's refusal of it shows, if it can refuse it.
  const auto addFlag = [&](const QString& label, const QString& text, const QString& toolTip,
                           const char* name, const QString& path, bool engineDefault,
                           QLabel* error = nullptr) {
    auto* box = named(new QCheckBox(text), name);
    box->setToolTip(toolTip);
    m_fields.bindFlag(box, path, engineDefault);
    parallel->addRow(label, error ? withError(box, error) : box);
    return box;
  };
  // The strategies the engine runs today; the others arrive with their issue.
  auto* strategy = named(new QComboBox, "strategy");
  strategy->addItem(tr("single worker"), "single");
  strategy->addItem(tr("data parallel"), "data");
  strategy->setToolTip(
      tr("Data parallel: several ranks each train on their share of every step's samples "
         "and average their gradients (the batch size is per rank unless Global batch "
         "splits it)."));
  parallel->addRow(tr("Strategy"),
                   withError(strategy, fieldError("strategyError", {"parallel.strategy"})));
  m_nodes = new NodeChecklist;
  m_fields.addShower([this] {
    QStringList names;
    for (const QJsonValue& node : m_document.value("parallel.nodes").toArray())
      names << node.toString();
    m_nodes->setChosen(names);
  });
  parallel->addRow(tr("Nodes"), withError(m_nodes, fieldError("nodesError", {"parallel.nodes"})));
  auto* ranks = spinBox("ranksPerNode", 1, 64);
  m_fields.bindInteger(ranks, "parallel.ranks_per_node", 1);
  parallel->addRow(tr("Ranks per node"),
                   withError(ranks, fieldError("ranksError", {"parallel.ranks_per_node"})));
  auto* globalBatch = addFlag(
      tr("Global batch"), tr("the batch size is split among the ranks"),
      tr("The batch size is the whole step's and each rank trains on its share, so runs on any "
         "number of ranks train on the same batches, as one process would (strong scaling); it "
         "must split evenly. Off: the batch size is each rank's, and more ranks train on a larger "
         "global batch."),
      "globalBatch", "parallel.global_batch", false,
      fieldError("globalBatchError", {"parallel.global_batch"}));
  auto* compression = comboBox("compression", {"none", "bf16", "fp16"});
  compression->setToolTip(
      tr("Gradients on the wire; sums stay in fp32. bf16 and fp16 halve "
         "the bytes sent."));
  m_fields.bindChoice(compression, "parallel.compression", "none");
  parallel->addRow(tr("Gradient compression"), compression);
  auto* lrScaling = comboBox("lrScaling", {"none", "linear", "sqrt"});
  lrScaling->setToolTip(
      tr("The ranks train on a larger global batch (the batch is per rank): linear multiplies "
         "the learning rate by the number of ranks (Goyal et al.'s rule for SGD, best with a "
         "warm-up), sqrt by its square root; none keeps the optimizer's."));
  m_fields.bindChoice(lrScaling, "parallel.lr_scaling", "none");
  parallel->addRow(tr("Learning rate scaling"),
                   withError(lrScaling, fieldError("lrScalingError", {"parallel.lr_scaling"})));
  auto* bucket = spinBox("bucketKiB", 0, 1 << 20, tr("auto"));
  bucket->setSuffix(tr(" KiB"));
  bucket->setToolTip(
      tr("Gradients fused per all-reduce; auto tries several sizes in the first "
         "steps and keeps the fastest."));
  m_fields.addShower(
      [=, this] { bucket->setValue(m_document.value("parallel.bucket_bytes", 0).toInt() / 1024); });
  connect(bucket, &QSpinBox::valueChanged, this,
          [write = m_fields.writerFor("parallel.bucket_bytes", 0)](int kib) { write(kib * 1024); });
  parallel->addRow(tr("Fusion bucket"), bucket);
  auto* streams = spinBox("streams", 0, 16, tr("auto"));
  m_fields.bindInteger(streams, "parallel.streams", 0);
  parallel->addRow(tr("Connections per peer"), streams);
  auto* interface = named(new QLineEdit, "interface");
  interface->setPlaceholderText(tr("the one that reaches rank 0"));
  m_fields.bindText(interface, "parallel.interface", "");
  parallel->addRow(tr("Network interface"),
                   withError(interface, fieldError("interfaceError", {"parallel.interface"})));
  auto* hierarchical = hierarchicalChoice();
  parallel->addRow(tr("Hierarchical"), hierarchical);
  auto* syncBatchNorm = addFlag(
      tr("Synchronized BatchNorm"), tr("statistics of every rank's samples"),
      tr("Synchronized BatchNorm: the ranks train as one process with the whole batch would, at "
         "the cost of two small exchanges per BatchNorm layer and step. Off: each rank normalises "
         "its own samples, as PyTorch's DDP does."),
      "syncBatchNorm", "parallel.sync_batch_norm", false);
  auto* overlapForward = addFlag(
      tr("Overlap with forward"), tr("averaging goes on during the next forward"),
      tr("Each layer's optimizer update waits until the next forward reaches that layer, so the "
         "all-reduces hide behind data loading and forward as well as backward. The weights are "
         "the same bit for bit either way."),
      "overlapForward", "parallel.overlap_forward", true);
  // The options of data parallelism are editable, and the batch is per rank or split, under it
  // alone.
  const QList<QWidget*> dataOnly{m_nodes,      ranks,         globalBatch,   compression,
                                 lrScaling,    bucket,        streams,       interface,
                                 hierarchical, syncBatchNorm, overlapForward};
  const auto showStrategy = [=, this] {
    const bool data = m_document.value("parallel.strategy", "single").toString() == "data";
    for (QWidget* w : dataOnly) w->setEnabled(data);
    const bool split = data && m_document.value("parallel.global_batch", false).toBool();
    m_batch->setSuffix(!data ? QString() : split ? tr(" split among the ranks") : tr(" per rank"));
    // The global batch does not grow with the ranks: nothing to scale the rate for.
    lrScaling->setEnabled(data && (!split || lrScaling->currentText() != "none"));
    // Across nodes, the checked nodes are where it runs.
    m_node->setEnabled(m_nodes->chosen().size() < 2);
    m_node->setToolTip(
        m_node->isEnabled() ? QString() : tr("The job runs on the nodes checked under Parallel."));
  };
  connect(globalBatch, &QCheckBox::toggled, this, showStrategy);
  connect(m_nodes, &NodeChecklist::chosenChanged, this, [=, this](const QStringList& names) {
    if (names.isEmpty())
      m_document.remove("parallel.nodes");
    else
      m_document.set("parallel.nodes", QJsonArray::fromStringList(names));
    showStrategy();
    edited();
  });

  m_fields.addShower([=, this] {
    const QString value = m_document.value("parallel.strategy", "single").toString();
    if (strategy->findData(value) < 0) strategy->addItem(value, value);  // the node judges it
    strategy->setCurrentIndex(strategy->findData(value));
    showStrategy();
  });
  connect(
      strategy, &QComboBox::currentIndexChanged, this, [=, this, lastShower = m_fields.count()] {
        if (m_fields.showing()) return;
        const QString value = strategy->currentData().toString();
        // The options of data parallelism mean nothing to one worker, which refuses them: they are
        // kept aside, and come back if data parallel is chosen again.
        // Every option but the strategy is data parallelism's (the engine refuses any other).
        const QJsonObject parallel = m_document.value("parallel").toObject();
        if (value != "data") {
          for (auto option = parallel.begin(); option != parallel.end(); ++option) {
            if (option.key() == "strategy") continue;
            m_parkedParallel[option.key()] = option.value();
            m_document.remove("parallel." + option.key());
          }
        } else {
          for (auto option = m_parkedParallel.begin(); option != m_parkedParallel.end(); ++option)
            if (!parallel.contains(option.key()))
              m_document.set("parallel." + option.key(), option.value());
          m_parkedParallel = {};
        }
        m_document.set("parallel.strategy", value, "single");
        if (m_document.value("parallel").toObject().isEmpty()) m_document.remove("parallel");
        // The group's fields show what came back; the others keep what is typed in them.
        m_fields.showRange(firstShower, lastShower);
        edited();
      });
}

QComboBox* JobForm::hierarchicalChoice() {
  // true, false or "auto", the engine's default: shared memory where /dev/shm has room.
  auto* combo = named(new QComboBox, "hierarchical");
  // Its long choices are elided rather than widening the form past the job file beside it.
  combo->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  combo->setMinimumContentsLength(24);
  combo->addItem(tr("auto: through shared memory where it has room"), "auto");
  combo->addItem(tr("yes: ranks of a node reduce through shared memory first"), true);
  combo->addItem(tr("no: every rank sends over the network"), false);
  combo->setToolTip(
      tr("Hierarchical all-reduce: the ranks of each node sum through shared memory and only "
         "one rank per node sends over the network. Auto does so unless a node's /dev/shm is too "
         "small (as in a container), and then says so in the run's log."));
  m_fields.addShower([=, this] {
    const QJsonValue value = m_document.value("parallel.hierarchical", "auto");
    int index = combo->findData(value.toVariant());
    if (index < 0) {  // shown as the file says; the node judges it
      combo->addItem(value.toVariant().toString(), value.toVariant());
      index = combo->count() - 1;
    }
    combo->setCurrentIndex(index);
  });
  connect(combo, &QComboBox::currentIndexChanged, this,
          [combo, write = m_fields.writerFor("parallel.hierarchical", "auto")] {
            write(QJsonValue::fromVariant(combo->currentData()));
          });
  return combo;
}

}  // namespace ui
}  // namespace twb
