#pragma once

class QWidget;

namespace twb::ui {

// In a scrolled form the wheel scrolls the form: a combo box or spin box that passes under the
// pointer keeps its value unless the user clicked into it first (it has focus). Without this,
// scrolling down the Job tab changed the template or the batch on its way.
void letTheWheelScrollTheForm(QWidget* form);

}  // namespace twb::ui
