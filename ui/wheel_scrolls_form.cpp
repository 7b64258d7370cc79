#include "ui/wheel_scrolls_form.h"

#include <QAbstractSpinBox>
#include <QComboBox>
#include <QEvent>
#include <QWidget>

namespace twb::ui {

namespace {
class WheelScrollsForm : public QObject {
 public:
  using QObject::QObject;

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override {
    if (event->type() != QEvent::Wheel || static_cast<QWidget*>(watched)->hasFocus()) return false;
    // Not delivered to the field, and not accepted: Qt hands it on to the scroll area.
    event->ignore();
    return true;
  }
};
}  // namespace

void letTheWheelScrollTheForm(QWidget* form) {
  auto* filter = new WheelScrollsForm(form);
  for (QWidget* field : form->findChildren<QWidget*>()) {
    if (!qobject_cast<QComboBox*>(field) && !qobject_cast<QAbstractSpinBox*>(field)) continue;
    field->setFocusPolicy(Qt::StrongFocus);  // the wheel alone does not focus it
    field->installEventFilter(filter);
  }
}

}  // namespace twb::ui
