#include "ui/form_widgets.h"

#include <QComboBox>
#include <QLabel>
#include <QSpinBox>
#include <QVBoxLayout>

namespace twb {
namespace ui {

QSpinBox* spinBox(const char* name, int minimum, int maximum, const QString& specialZero) {
  auto* spin = named(new QSpinBox, name);
  spin->setRange(minimum, maximum);
  spin->setSpecialValueText(specialZero);
  return spin;
}

QComboBox* comboBox(const char* name, const QStringList& items) {
  auto* combo = named(new QComboBox, name);
  combo->addItems(items);
  return combo;
}

QLabel* makeErrorLabel(const char* name, QWidget* parent) {
  auto* label = new QLabel(parent);
  label->setObjectName(name);
  label->setStyleSheet("color: #c62828;");
  label->setWordWrap(true);
  label->hide();
  return label;
}

QWidget* withError(QWidget* field, QLabel* error) {
  auto* box = new QWidget;
  auto* layout = new QVBoxLayout(box);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(2);
  layout->addWidget(field);
  layout->addWidget(error);
  return box;
}

}  // namespace ui
}  // namespace twb
