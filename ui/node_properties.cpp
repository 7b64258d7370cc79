#include "ui/node_properties.h"

#include <QCheckBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QVBoxLayout>

namespace twb::ui {

namespace {
// "1, 2, 3" as integers; nothing when a part is not one.
std::optional<QJsonArray> integerList(const QString& text) {
  QJsonArray values;
  for (const QString& part : text.split(',', Qt::SkipEmptyParts)) {
    bool ok = false;
    const qint64 v = part.trimmed().toLongLong(&ok);
    if (!ok) return std::nullopt;
    values.append(v);
  }
  return values;
}

// "≥ 1", "0 to 1": an attribute's range from its schema (the op catalogue's min and max).
QString rangeText(const QJsonObject& schema) {
  const bool min = schema.contains("min"), max = schema.contains("max");
  const QString low = QString::number(schema.value("min").toDouble(), 'g', 10),
                high = QString::number(schema.value("max").toDouble(), 'g', 10);
  if (min && max) return NodeProperties::tr("%1 to %2").arg(low, high);
  if (min) return QString::fromUtf8("\u2265 ") + low;
  if (max) return QString::fromUtf8("\u2264 ") + high;
  return {};
}

// Whether `value` (each element of a pair or list) is within the schema's range; `why` if not.
bool withinRange(const QJsonObject& schema, const QJsonValue& value, QString* why) {
  const QJsonArray values = value.isArray() ? value.toArray() : QJsonArray{value};
  for (const QJsonValue& v : values) {
    if (!v.isDouble()) continue;
    if ((schema.contains("min") && v.toDouble() < schema.value("min").toDouble()) ||
        (schema.contains("max") && v.toDouble() > schema.value("max").toDouble())) {
      *why = NodeProperties::tr("%1 is outside %2").arg(attributeText(v), rangeText(schema));
      return false;
    }
  }
  return true;
}
}  // namespace

QJsonValue attributeValue(const QString& type, const QString& text, QString* why) {
  const QString t = text.trimmed();
  if (t.isEmpty()) return QJsonValue(QJsonValue::Undefined);
  bool ok = true;
  if (type == "integer") {
    const qint64 v = t.toLongLong(&ok);
    if (ok) return v;
    *why = NodeProperties::tr("“%1” is not an integer").arg(t);
  } else if (type == "number") {
    const double v = t.toDouble(&ok);
    if (ok) return v;
    *why = NodeProperties::tr("“%1” is not a number").arg(t);
  } else if (type == "integers" || type.startsWith("integer or")) {
    const auto values = integerList(t);
    const bool pair = type.startsWith("integer or");
    if (values && pair && values->size() == 1) return values->first();
    if (values && (!pair || values->size() == 2)) return *values;
    *why = pair ? NodeProperties::tr("“%1” is not an integer or a pair “h, w”").arg(t)
                : NodeProperties::tr("“%1” is not a list of integers “1, 2, 3”").arg(t);
  } else {
    return t;
  }
  return QJsonValue(QJsonValue::Null);
}

QString attributeText(const QJsonValue& value) {
  if (value.isArray()) {
    QStringList parts;
    for (const QJsonValue& v : value.toArray()) parts << attributeText(v);
    return parts.join(", ");
  }
  if (value.isDouble()) return QString::number(value.toDouble(), 'g', 10);
  if (value.isBool()) return value.toBool() ? "true" : "false";
  return value.toString();
}

NodeProperties::NodeProperties(app::ModelDocument& document, const QJsonArray& catalog,
                               QWidget* parent)
    : QWidget(parent), m_document(document), m_catalog(catalog) {
  setObjectName("nodeProperties");
  auto* layout = new QVBoxLayout(this);
  m_problem = new QLabel(this);
  m_problem->setObjectName("propertyProblem");
  m_problem->setStyleSheet("color: #d93025");
  m_problem->setWordWrap(true);
  layout->addWidget(m_problem);
  layout->addStretch(1);
  connect(&m_document, &app::ModelDocument::changed, this, &NodeProperties::scheduleRebuild);
  rebuild();
}

void NodeProperties::setCatalog(const QJsonArray& catalog) {
  m_catalog = catalog;
  scheduleRebuild();
}

void NodeProperties::showBox(const QString& box) {
  if (box != m_box) m_problem->clear();
  m_box = box;
  scheduleRebuild();
}

void NodeProperties::scheduleRebuild() {
  if (m_rebuildPending) return;
  m_rebuildPending = true;
  QMetaObject::invokeMethod(
      this,
      [this] {
        m_rebuildPending = false;
        rebuild();
      },
      Qt::QueuedConnection);
}

void NodeProperties::rebuild() {
  delete m_page;
  m_page = new QWidget(this);
  m_form = new QFormLayout(m_page);
  m_form->setContentsMargins(0, 0, 0, 0);
  static_cast<QVBoxLayout*>(layout())->insertWidget(0, m_page);
  if (!m_document.boxes().contains(m_box)) m_box.clear();
  if (m_box.isEmpty()) {
    auto* hint = new QLabel(
        tr("Select a box to edit it; double-click or drag an op from the palette to add one."),
        m_page);
    hint->setWordWrap(true);
    m_form->addRow(hint);
    m_page->show();
    return;
  }
  const QString box = m_box;
  auto* name = new QLineEdit(box, m_page);
  name->setObjectName("propName");
  connect(name, &QLineEdit::editingFinished, this, [this, name, box] {
    QString why;
    if (name->text() != box && !m_document.rename(box, name->text().trimmed(), &why))
      m_problem->setText(why);
    else if (name->text() != box)
      emit renamed(m_box = name->text().trimmed());
  });
  m_form->addRow(tr("Name"), name);

  if (m_document.isInput(box)) {
    QJsonArray shape;
    for (const QJsonValue& v : m_document.spec().value("inputs").toArray())
      if (v.toObject().value("name").toString() == box)
        shape = v.toObject().value("shape").toArray();
    auto* field = new QLineEdit(attributeText(shape), m_page);
    field->setObjectName("propShape");
    field->setToolTip(tr("Per sample, without the batch: e.g. 1, 28, 28"));
    connect(field, &QLineEdit::editingFinished, this, [this, field, box] {
      QString why;
      const QJsonValue v = attributeValue("integers", field->text(), &why);
      if (!v.isArray())
        m_problem->setText(why.isEmpty() ? tr("an input needs a shape") : why);
      else
        m_document.setInputShape(box, v.toArray());
    });
    m_form->addRow(tr("Shape"), field);
  } else {
    const QJsonObject node = m_document.node(box);
    const QString op = node.value("op").toString();
    QJsonObject def;
    for (const QJsonValue& v : m_catalog)
      if (v.toObject().value("name").toString() == op) def = v.toObject();
    auto* doc = new QLabel(
        QString("<b>%1</b> — %2").arg(op, def.value("doc").toString().toHtmlEscaped()), m_page);
    doc->setWordWrap(true);
    m_form->addRow(doc);
    const QJsonObject attrs = node.value("attrs").toObject();
    for (const QJsonValue& a : def.value("attrs").toArray()) {
      const QJsonObject schema = a.toObject();
      auto* label = new QLabel(
          schema.value("name").toString() + (schema.value("required").toBool() ? " *" : ""),
          m_page);
      label->setToolTip(schema.value("doc").toString());
      m_form->addRow(label, attributeField(schema, attrs.value(schema.value("name").toString())));
    }
  }
  const app::ModelGraph& graph = m_document.graph();
  if (const int i = graph.indexOf(box); i >= 0) {
    const app::ModelGraphNode& n = graph.nodes[i];
    m_form->addRow(tr("Output"), new QLabel(app::batchedShapeText(n.shape), m_page));
    m_form->addRow(tr("Parameters"), new QLabel(QLocale().toString(n.parameters), m_page));
    m_form->addRow(tr("MFLOP per sample"),
                   new QLabel(QString::number(n.flops / 1e6, 'f', 3), m_page));
  }
  m_page->show();
}

QWidget* NodeProperties::attributeField(const QJsonObject& schema, const QJsonValue& value) {
  const QString attr = schema.value("name").toString(), type = schema.value("type").toString(),
                box = m_box;
  if (type == "boolean") {
    auto* check = new QCheckBox(m_page);
    check->setObjectName("attr_" + attr);
    check->setChecked(value.isBool() ? value.toBool() : schema.value("default").toBool());
    connect(check, &QCheckBox::toggled, this,
            [this, box, attr](bool on) { m_document.setAttribute(box, attr, on); });
    return check;
  }
  auto* field = new QLineEdit(value.isUndefined() ? QString() : attributeText(value), m_page);
  field->setObjectName("attr_" + attr);
  field->setPlaceholderText(
      schema.value("required").toBool() ? tr("required") : attributeText(schema.value("default")));
  const QString range = rangeText(schema);
  field->setToolTip(QString("%1 (%2)").arg(schema.value("doc").toString(),
                                           range.isEmpty() ? type : type + ", " + range));
  connect(field, &QLineEdit::editingFinished, this, [this, field, box, attr, type, schema] {
    QString why;
    const QJsonValue v = attributeValue(type, field->text(), &why);
    if (v.isNull() || !withinRange(schema, v, &why)) {
      m_problem->setText(tr("%1: %2").arg(attr, why));
      return;
    }
    m_problem->clear();
    m_document.setAttribute(box, attr, v);
  });
  return field;
}

}  // namespace twb::ui
