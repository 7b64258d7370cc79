#include "ui/field_bindings.h"

#include <QCheckBox>
#include <QComboBox>
#include <QCoreApplication>
#include <QLineEdit>
#include <QLocale>
#include <QSpinBox>

namespace twb {
namespace ui {

namespace {
// The Job tab's words, translated with its form's.
struct Words {
  Q_DECLARE_TR_FUNCTIONS(twb::ui::JobForm)
};
}  // namespace

FieldBindings::FieldBindings(
    app::JobDocument& document, std::function<void()> edited,
    std::function<void(const QString& path, const QString& message)> problem, QObject* parent)
    : QObject(parent),
      m_document(document),
      m_edited(std::move(edited)),
      m_problem(std::move(problem)) {}

void FieldBindings::bindText(QLineEdit* edit, const QString& path, const QString& engineDefault) {
  addShower([=, this] { edit->setText(m_document.value(path, engineDefault).toString()); });
  connect(edit, &QLineEdit::textEdited, this, [=, this](const QString& text) {
    m_document.set(path, text, engineDefault);
    m_edited();
  });
}

void FieldBindings::bindNumber(QLineEdit* edit, const QString& path, double engineDefault) {
  addShower([=, this] {
    edit->setText(QString::number(m_document.value(path, engineDefault).toDouble(), 'g', 12));
  });
  connect(edit, &QLineEdit::textEdited, this, [=, this](const QString& text) {
    bool ok = false;
    const double value = QLocale::c().toDouble(text.trimmed(), &ok);
    if (!ok)  // kept as typed; the document keeps its last number until this is one
      return m_problem(path, Words::tr("“%1” is not a number (e.g. 0.05 or 3e-4).").arg(text));
    m_problem(path, {});
    m_document.set(path, value, engineDefault);
    m_edited();
  });
}

std::function<void(const QJsonValue&)> FieldBindings::writerFor(const QString& path,
                                                                const QJsonValue& engineDefault) {
  return [this, path, engineDefault](const QJsonValue& value) {
    if (m_showing) return;  // the field is being filled from the document, not edited
    m_document.set(path, value, engineDefault);
    m_edited();
  };
}

void FieldBindings::bindInteger(QSpinBox* spin, const QString& path, int engineDefault) {
  addShower([=, this] { spin->setValue(m_document.value(path, engineDefault).toInt()); });
  connect(spin, &QSpinBox::valueChanged, this,
          [write = writerFor(path, engineDefault)](int v) { write(v); });
}

void FieldBindings::bindChoice(QComboBox* combo, const QString& path,
                               const QString& engineDefault) {
  addShower([=, this] {
    const QString value = m_document.value(path, engineDefault).toString();
    if (combo->findText(value) < 0)
      combo->addItem(value);  // shown as the file says; the node judges it
    combo->setCurrentText(value);
  });
  connect(combo, &QComboBox::currentTextChanged, this,
          [write = writerFor(path, engineDefault)](const QString& v) { write(v); });
}

void FieldBindings::bindFlag(QCheckBox* box, const QString& path, bool engineDefault) {
  addShower([=, this] { box->setChecked(m_document.value(path, engineDefault).toBool()); });
  connect(box, &QCheckBox::toggled, this,
          [write = writerFor(path, engineDefault)](bool v) { write(v); });
}

void FieldBindings::showAll() { showRange(0, m_showers.size()); }

void FieldBindings::showRange(size_t first, size_t end) {
  showQuietly([&] {
    for (size_t i = first; i < end; ++i) m_showers[i]();
  });
}

void FieldBindings::showQuietly(const std::function<void()>& show) {
  const bool was = m_showing;  // shows may nest (a field's show fills a list)
  m_showing = true;
  show();
  m_showing = was;
}

}  // namespace ui
}  // namespace twb
