#pragma once

#include <QString>
#include <QStringList>

class QComboBox;
class QLabel;
class QSpinBox;
class QWidget;

namespace twb {
namespace ui {

// The Job tab's fields, made alike: named (tests and style sheets find them by name), with a
// label under each that shows its problem.

template <typename T>
T* named(T* widget, const char* name) {
  widget->setObjectName(name);
  return widget;
}
QSpinBox* spinBox(const char* name, int minimum, int maximum, const QString& specialZero = {});
QComboBox* comboBox(const char* name, const QStringList& items);
// A hidden red label for a field's problem.
QLabel* makeErrorLabel(const char* name, QWidget* parent);
// A field and the label that shows its problem, stacked.
QWidget* withError(QWidget* field, QLabel* error);

}  // namespace ui
}  // namespace twb
