#include "ui/model_designer.h"

#include <QComboBox>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QLocale>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QPushButton>
#include <QSaveFile>
#include <QSplitter>
#include <QStyle>
#include <QToolBar>
#include <QVBoxLayout>
#include <algorithm>

#include "ui/designer_canvas.h"
#include "ui/input_sizes_dialog.h"
#include "ui/node_properties.h"

namespace twb::ui {

namespace {
// The palette: dragging an item carries its op to the canvas.
class OpPalette : public QListWidget {
 public:
  using QListWidget::QListWidget;

 protected:
  QMimeData* mimeData(const QList<QListWidgetItem*>& items) const override {
    auto* data = new QMimeData;
    if (!items.isEmpty())
      data->setData(DesignerCanvas::kOpMimeType, items.front()->text().toUtf8());
    return data;
  }
};

constexpr double kBelow = 40;       // how far under the selected box a new node goes
constexpr QSizeF kNewBox(130, 60);  // room a new box is given
}  // namespace

ModelDesigner::ModelDesigner(QWidget* parent) : QWidget(parent), m_catalog(app::opCatalog()) {
  setObjectName("modelDesigner");
  m_filter = new QLineEdit(this);
  m_filter->setObjectName("paletteFilter");
  m_filter->setPlaceholderText(tr("Search ops"));
  m_filter->setClearButtonEnabled(true);
  m_palette = new OpPalette(this);
  m_palette->setObjectName("palette");
  m_palette->setDragEnabled(true);
  m_catalogSource = new QLabel(tr("Ops of this workbench's engine"), this);
  m_catalogSource->setObjectName("catalogSource");
  m_catalogSource->setWordWrap(true);
  fillPalette();
  connect(m_filter, &QLineEdit::textChanged, this, &ModelDesigner::fillPalette);
  connect(m_palette, &QListWidget::itemActivated, this,
          [this](QListWidgetItem* item) { addFromPalette(item->text()); });

  m_canvas = new DesignerCanvas(m_document, this);
  m_properties = new NodeProperties(m_document, m_catalog, this);
  connect(m_canvas, &DesignerCanvas::selectionChanged, this, [this] {
    const QStringList selected = m_canvas->selectedBoxes();
    m_properties->showBox(selected.size() == 1 ? selected.front() : QString());
  });
  connect(m_properties, &NodeProperties::renamed, this,
          [this](const QString& name) { m_canvas->selectBoxes({name}); });
  connect(m_canvas, &DesignerCanvas::status, this,
          [this](const QString& message) { m_status->setText(message); });

  m_template = new QComboBox(this);
  m_template->setObjectName("designerTemplate");
  m_template->addItem(tr("Start from a template…"));
  for (const char* name : {"mlp", "lenet5", "cnn-small", "resnet18-cifar", "resnet50",
                           "mobilenet-v2-cifar", "vit-tiny", "lstm"})
    m_template->addItem(name);
  connect(m_template, &QComboBox::activated, this, [this](int index) {
    if (index > 0 && mayDropEdits())
      openModelOf(QJsonObject{{"model", QJsonObject{{"template", m_template->itemText(index)}}}});
    m_template->setCurrentIndex(0);
  });
  // A tool bar, not a row of buttons: on a narrow window the last ones fold into its » menu
  // instead of widening the whole window.
  auto* tools = new QToolBar(this);
  tools->setObjectName("designerTools");
  tools->addWidget(m_template);
  const auto tool = [tools](const QString& text, const QString& tip = {}) {
    QAction* action = tools->addAction(text);
    if (!tip.isEmpty()) action->setToolTip(tip);  // else Qt's: the text without its '&'
    return action;
  };
  connect(tool(tr("From &job"), tr("Open the Job tab's model")), &QAction::triggered, this, [this] {
    if (mayDropEdits()) emit modelOfJobWanted();
  });
  connect(tool(tr("&Open…")), &QAction::triggered, this, &ModelDesigner::chooseFile);
  connect(tool(tr("&Save…")), &QAction::triggered, this, &ModelDesigner::chooseSaveFile);
  QAction* undo = m_document.undoStack()->createUndoAction(this, tr("Undo"));
  undo->setShortcut(QKeySequence::Undo);
  undo->setIcon(style()->standardIcon(QStyle::SP_ArrowBack));
  QAction* redo = m_document.undoStack()->createRedoAction(this, tr("Redo"));
  redo->setShortcut(QKeySequence::Redo);
  redo->setIcon(style()->standardIcon(QStyle::SP_ArrowForward));
  tools->addActions({undo, redo});  // icons only: "Undo Rename a to b" as tooltip
  tools->widgetForAction(undo)->setObjectName("designerUndo");
  tools->widgetForAction(redo)->setObjectName("designerRedo");
  connect(tool(tr("&Lay out")), &QAction::triggered, &m_document, &app::ModelDocument::layOut);
  connect(tool(tr("&Repeat…"), tr("Repeat the selected block: its copies follow one another")),
          &QAction::triggered, this, [this] {
            bool ok = false;
            const int times =
                QInputDialog::getInt(this, tr("Repeat the block"),
                                     tr("How many times the block appears"), 2, 2, 1000, 1, &ok);
            QString why;
            if (ok && !m_document.repeat(m_canvas->selectedBoxes(), times, &why))
              m_status->setText(why);
          });
  connect(tool(tr("&Group…"),
               tr("Name the selected nodes as a block, drawn as one frame that collapses")),
          &QAction::triggered, this, [this] {
            bool ok = false;
            const QString name =
                QInputDialog::getText(this, tr("Group into a block"), tr("Block name"),
                                      QLineEdit::Normal, tr("block"), &ok);
            if (ok) groupSelection(name);
          });
  connect(tool(tr("Ungroup"), tr("The selected nodes' blocks become plain nodes again")),
          &QAction::triggered, this, [this] {
            for (const QString& block : blocksOfSelection()) m_document.ungroup(block);
          });
  connect(tool(tr("Co&llapse"), tr("Draw the selected nodes' blocks as one box each, or open them "
                                   "again (double-clicking a block's name or box does the same)")),
          &QAction::triggered, this, [this] {
            const QStringList blocks = blocksOfSelection();
            const bool anyOpen = std::any_of(blocks.begin(), blocks.end(), [&](const QString& b) {
              return !m_document.isCollapsed(b);
            });
            for (const QString& block : blocks) m_document.setCollapsed(block, anyOpen);
          });
  connect(tool(tr("&Fit")), &QAction::triggered, m_canvas, &DesignerCanvas::fit);
  addActions({undo, redo});
  m_use = new QPushButton(tr("&Use in job"), this);
  m_use->setObjectName("designerUseInJob");
  connect(m_use, &QPushButton::clicked, this, [this] {
    m_document.undoStack()->setClean();  // kept by the job from now on
    emit useInJob(m_document.spec());
  });
  m_status = new QLabel(this);
  m_status->setObjectName("designerStatus");
  m_status->setWordWrap(true);
  m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);

  m_fileNotes = new QLabel(this);
  m_fileNotes->setObjectName("designerFileNotes");
  m_fileNotes->setWordWrap(true);
  m_fileNotes->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_fileNotes->setStyleSheet(
      "background: #fef7e0; border: 1px solid #f9ab00; border-radius: 3px; padding: 4px");
  m_fileNotes->hide();

  m_reading = new QProgressBar(this);
  m_reading->setObjectName("designerReading");
  m_reading->setRange(0, 0);  // busy: an import says nothing of how far it is
  m_reading->setMaximumWidth(160);
  m_cancelReading = new QPushButton(tr("Cancel"), this);
  m_cancelReading->setObjectName("designerCancelReading");
  connect(m_cancelReading, &QPushButton::clicked, this, [this] {
    const QString path = m_readingPath;
    abandonReading();
    m_status->setStyleSheet({});
    m_status->setText(tr("Opening %1 cancelled; the model shown is as it was.").arg(path));
  });
  m_workers.setMaxThreadCount(1);  // reads and saves end in the order they began
  showReading({});

  auto* top = new QHBoxLayout;
  top->addWidget(tools, 1);
  top->addWidget(m_use);
  auto* paletteSide = new QWidget(this);
  auto* paletteLayout = new QVBoxLayout(paletteSide);
  paletteLayout->setContentsMargins(0, 0, 0, 0);
  paletteLayout->addWidget(m_filter);
  paletteLayout->addWidget(m_palette, 1);
  paletteLayout->addWidget(m_catalogSource);
  auto* splitter = new QSplitter(Qt::Horizontal, this);
  splitter->addWidget(paletteSide);
  splitter->addWidget(m_canvas);
  splitter->addWidget(m_properties);
  splitter->setStretchFactor(1, 1);
  splitter->setSizes({160, 700, 280});
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(top);
  layout->addWidget(m_fileNotes);
  layout->addWidget(splitter, 1);
  auto* statusRow = new QHBoxLayout;
  statusRow->addWidget(m_status, 1);
  statusRow->addWidget(m_reading);
  statusRow->addWidget(m_cancelReading);
  layout->addLayout(statusRow);
  connect(&m_document, &app::ModelDocument::changed, this, &ModelDesigner::showState);
  showState();
}

void ModelDesigner::setOpCatalog(const QJsonArray& ops, const QString& source) {
  m_catalog = ops;
  m_catalogSource->setText(source);
  fillPalette();
  m_properties->setCatalog(ops);
}

// The catalogue's ops that match the search, by name or documentation.
void ModelDesigner::fillPalette() {
  const QString text = m_filter->text();
  m_palette->clear();
  for (const QJsonValue& v : m_catalog) {
    const QString name = v.toObject().value("name").toString(),
                  doc = v.toObject().value("doc").toString();
    if (!text.isEmpty() && !name.contains(text, Qt::CaseInsensitive) &&
        !doc.contains(text, Qt::CaseInsensitive))
      continue;
    auto* item = new QListWidgetItem(name, m_palette);
    item->setToolTip(doc);
  }
}

bool ModelDesigner::groupSelection(const QString& name) {
  QString why;
  const bool grouped = m_document.group(name.trimmed(), m_canvas->selectedBoxes(), &why);
  if (!grouped) {
    m_status->setStyleSheet("color: #d93025");
    m_status->setText(why);
  }
  return grouped;
}

QStringList ModelDesigner::blocksOfSelection() const {
  QStringList blocks;
  for (const QString& box : m_canvas->selectedBoxes())
    if (const QString block = m_document.blockOf(box); !block.isEmpty() && !blocks.contains(block))
      blocks << block;
  return blocks;
}

QString ModelDesigner::addFromPalette(const QString& op) {
  const QStringList selected = m_canvas->selectedBoxes();
  QPointF at = m_canvas->mapToScene(m_canvas->viewport()->rect().center());
  if (selected.size() == 1) {  // under the selected box, reading it
    const QSizeF size = m_canvas->boxSize(selected.front());
    at = m_document.position(selected.front()) + QPointF(0, size.height() + kBelow);
  }
  const QString name = m_document.addNode(op, m_canvas->freeSpotNear(at, kNewBox));
  if (selected.size() == 1) m_document.connectBoxes(selected.front(), name);
  m_canvas->selectBoxes({name});
  return name;
}

bool ModelDesigner::openModelOf(const QJsonObject& job, const QString& jobFolder) {
  abandonReading();  // the model asked for last is the one shown
  // A model file of this machine opens as Open… opens it: read off the GUI thread, and its
  // weights kept by Save for the layers left as they were.
  if (const QString file = app::localModelFileOfJob(job, jobFolder); !file.isEmpty()) {
    QString error;
    const plugins::InputShapes inputShapes = app::inputShapesOfJob(job, &error);
    return error.isEmpty() ? openFile(file, inputShapes) : openSpec({}, error);
  }
  QString error;
  const QJsonObject spec = app::modelSpecOfJob(job, &error, jobFolder);
  return openSpec(spec, error);
}

bool ModelDesigner::openSpec(const QJsonObject& spec, const QString& error,
                             const SourceFile& source) {
  if (!error.isEmpty()) {
    m_status->setStyleSheet("color: #d93025");
    m_status->setText(error);
    return false;
  }
  m_source = source;
  // Said over the model for as long as it is the file's: the model differs from what the file
  // says, and the user should not have to find that out from a run.
  m_fileNotes->setText(
      tr("The model shown differs from what %1 says:").arg(QFileInfo(source.path).fileName()) +
      "\n• " + source.notes.join("\n• "));
  m_fileNotes->setVisible(!source.notes.isEmpty());
  m_document.reset(spec);
  m_canvas->fit();
  return true;
}

void ModelDesigner::showState() {
  const app::ModelGraph& graph = m_document.graph();
  m_use->setEnabled(graph.error.isEmpty());
  if (m_document.spec().value("nodes").toArray().isEmpty()) {  // nothing done yet: no error
    m_status->setStyleSheet({});
    m_status->setText(
        tr("No ops yet: start from a template, open a model, or drag ops from "
           "the list."));
    return;
  }
  if (!graph.error.isEmpty()) {
    m_status->setStyleSheet("color: #d93025");
    m_status->setText(graph.error);
    return;
  }
  qint64 parameters = 0;
  double flops = 0;
  for (const app::ModelGraphNode& n : graph.nodes) parameters += n.parameters, flops += n.flops;
  m_status->setStyleSheet({});
  m_status->setText(
      tr("%1 nodes, %2 parameters, %3 MFLOP per sample")
          .arg(graph.nodes.size() - m_document.spec().value("inputs").toArray().size())
          .arg(QLocale().toString(parameters))
          .arg(flops / 1e6, 0, 'f', 2));
}

bool ModelDesigner::mayDropEdits() {
  if (!hasUnsavedEdits()) return true;
  QMessageBox ask(QMessageBox::Question, tr("Unsaved model"),
                  tr("The model in the Model tab has edits that are not saved. Discard them?"),
                  QMessageBox::Discard | QMessageBox::Cancel, this);
  ask.setObjectName("unsavedModel");
  ask.setInformativeText(tr("Save… writes the model to a file; Use in job puts it into the job."));
  ask.setDefaultButton(QMessageBox::Cancel);
  return ask.exec() == QMessageBox::Discard;
}

void ModelDesigner::chooseFile() {
  if (!mayDropEdits()) return;
  QStringList filters{tr("Model spec or job (*.json)")};
  for (const plugins::ModelFormat* f : m_formats)
    filters << QString("%1 (*.%2)").arg(f->name(), f->suffixes().join(" *."));
  const QString path =
      QFileDialog::getOpenFileName(this, tr("Open a model"), {}, filters.join(";;"));
  if (!path.isEmpty()) openFile(path);
}

bool ModelDesigner::openFile(const QString& path, const plugins::InputShapes& inputShapes) {
  abandonReading();
  const QString suffix = QFileInfo(path).suffix().toLower();
  QString error;
  QJsonObject spec;
  if (suffix == "json") {
    QFile file(path);
    QJsonParseError parse{};
    const QJsonDocument json = file.open(QIODevice::ReadOnly)
                                   ? QJsonDocument::fromJson(file.readAll(), &parse)
                                   : QJsonDocument();
    if (!file.isOpen())
      error = tr("Cannot open %1: %2").arg(path, file.errorString());
    else if (parse.error != QJsonParseError::NoError || !json.isObject())
      error = tr("%1: not a model spec (%2 at byte %3)")
                  .arg(path, parse.errorString())
                  .arg(parse.offset);
    else if (json.object().contains("model"))  // a job file: its model
      return openModelOf(json.object(), QFileInfo(path).absolutePath());
    else
      spec = json.object();
  } else {
    const plugins::ModelFormat* format = plugins::formatReading(m_formats, suffix);
    if (!format)
      return openSpec({}, tr("%1: no plugin reads .%2 files (Help > Plugins)").arg(path, suffix));
    readModelFile(path, *format, inputShapes);
    return true;
  }
  return openSpec(spec, error);
}

void ModelDesigner::readModelFile(const QString& path, const plugins::ModelFormat& format,
                                  const plugins::InputShapes& inputShapes) {
  const quint64 ticket = ++m_readTicket;
  showReading(path);
  m_workers.start([this, path, &format, inputShapes, ticket] {
    const plugins::ModelRead read = format.read(path, inputShapes);
    QMetaObject::invokeMethod(this, [this, path, &format, inputShapes, read, ticket] {
      if (ticket != m_readTicket) return;  // cancelled, or another file opened since
      if (!read.freeInputs.isEmpty()) return askInputSizes(path, format, read, inputShapes);
      showReading({});
      // A model file: its weights are kept where they fit when the model is saved.
      emit fileOpened(path, openSpec(read.spec, read.error, {path, inputShapes, read.notes}));
    });
  });
}

void ModelDesigner::askInputSizes(const QString& path, const plugins::ModelFormat& format,
                                  const plugins::ModelRead& read,
                                  const plugins::InputShapes& given) {
  auto* dialog =
      new InputSizesDialog(QFileInfo(path).fileName(), read.freeInputs, tr("Open"), this);
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  m_askingSizes = dialog;
  m_status->setText(tr("Opening %1: its free sizes are asked for…").arg(path));
  const quint64 ticket = m_readTicket;
  connect(dialog, &QDialog::accepted, this, [this, dialog, path, &format, given, ticket] {
    if (ticket != m_readTicket) return;
    plugins::InputShapes shapes = given;
    shapes.insert(dialog->shapes());
    readModelFile(path, format, shapes);
  });
  connect(dialog, &QDialog::rejected, this, [this, path, error = read.error, ticket] {
    if (ticket != m_readTicket) return;
    showReading({});
    m_status->setStyleSheet("color: #d93025");
    m_status->setText(tr("%1; not opened: its sizes were not given.").arg(error));
    emit fileOpened(path, false);
  });
  dialog->open();
}

void ModelDesigner::abandonReading() {
  if (m_readingPath.isEmpty()) return;
  const QString path = m_readingPath;
  ++m_readTicket;  // drops the read in flight, or the answer of the sizes asked for
  if (m_askingSizes) m_askingSizes->close();
  showReading({});
  emit fileOpened(path, false);
}

void ModelDesigner::showReading(const QString& path) {
  m_readingPath = path;
  showBusy();
  if (path.isEmpty()) return;
  m_status->setStyleSheet({});
  m_status->setText(tr("Opening %1…").arg(path));
}

void ModelDesigner::showBusy() {
  m_reading->setVisible(!m_readingPath.isEmpty() || m_saves > 0);
  m_cancelReading->setVisible(!m_readingPath.isEmpty());  // a save cannot stop half-written
}

void ModelDesigner::chooseSaveFile() {
  QStringList filters{tr("Model spec (*.json)")};
  for (const plugins::ModelFormat* f : m_formats)
    if (f->writes()) filters << QString("%1 (*.%2)").arg(f->name(), f->suffixes().join(" *."));
  const QString path = QFileDialog::getSaveFileName(
      this, tr("Save the model"), m_document.spec().value("name").toString() + ".json",
      filters.join(";;"));
  if (!path.isEmpty()) saveFile(path);
}

bool ModelDesigner::saveFile(const QString& path) {
  const QString suffix = QFileInfo(path).suffix().toLower();
  if (suffix == "json") {
    QSaveFile file(path);
    const bool ok = file.open(QIODevice::WriteOnly) &&
                    file.write(QJsonDocument(m_document.spec()).toJson()) >= 0 && file.commit();
    showSaved(path, tr("the spec alone, no weights"),
              ok ? QString() : tr("Cannot write %1: %2").arg(path, file.errorString()),
              m_document.undoStack()->index());
    return ok;
  }
  const auto format = std::find_if(
      m_formats.begin(), m_formats.end(),
      [&](const plugins::ModelFormat* f) { return f->writes() && f->suffixes().contains(suffix); });
  if (format == m_formats.end()) {
    showSaved(path, {}, tr("%1: no plugin writes .%2 files (Help > Plugins)").arg(path, suffix),
              -1);
    return false;
  }
  // Off the GUI thread: the weights are read from the source file again and written out (a
  // large model takes seconds). The model as it is now is what gets saved.
  ++m_saves;
  showBusy();
  m_status->setStyleSheet({});
  m_status->setText(tr("Saving %1…").arg(path));
  m_workers.start([this, path, format = *format, spec = m_document.spec(), source = m_source,
                   savedAt = m_document.undoStack()->index()] {
    QString note, error;
    format->write(spec, source.path, source.inputShapes, path, &note, &error);
    QMetaObject::invokeMethod(this, [this, path, note, error, savedAt] {
      --m_saves;
      showBusy();
      showSaved(path, note, error, savedAt);
    });
  });
  return true;
}

void ModelDesigner::showSaved(const QString& path, const QString& note, const QString& error,
                              int savedAt) {
  // Edited while a save was in flight, the model shown is not the one saved.
  if (error.isEmpty() && m_document.undoStack()->index() == savedAt)
    m_document.undoStack()->setClean();
  m_status->setStyleSheet(error.isEmpty() ? QString() : QString("color: #d93025"));
  m_status->setText(error.isEmpty() ? tr("Saved %1: %2.").arg(path, note) : error);
  emit fileSaved(path, error.isEmpty());
}

}  // namespace twb::ui
