#pragma once

#include <QString>
#include <QStringList>
#include <functional>

class QComboBox;
class QLabel;
class QLineEdit;
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
// A folder button at the end of `field`: `choose` asks (a file dialog) and returns the field's
// new text, or nothing when the user cancelled; only then is the field's text replaced.
void addChooser(QLineEdit* field, const char* name, const QString& toolTip,
                const std::function<QString()>& choose);

}  // namespace ui
}  // namespace twb
