#include "ui/form_widgets.h"

#include <QComboBox>
#include <QCoreApplication>
#include <QEvent>
#include <QLabel>
#include <QLayout>
#include <QLineEdit>
#include <QSpinBox>
#include <QStyle>
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

namespace {
// Lays out again the form a field and its problem sit in when the problem shows or hides: Qt
// 6.4 leaves the form's layout as it was, and the row kept the height of a message gone.
class RelayoutFormOnVisibility : public QObject {
 public:
  using QObject::QObject;

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override {
    if (event->type() == QEvent::Show || event->type() == QEvent::Hide)
      for (QWidget* w = static_cast<QWidget*>(watched)->parentWidget(); w && !w->isWindow();
           w = w->parentWidget()) {
        if (w->layout()) w->layout()->invalidate();
        w->updateGeometry();
      }
    return false;
  }
};
}  // namespace

QWidget* withError(QWidget* field, QLabel* error) {
  error->installEventFilter(new RelayoutFormOnVisibility(error));
  auto* box = new QWidget;
  auto* layout = new QVBoxLayout(box);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(2);
  layout->addWidget(field);
  layout->addWidget(error);
  return box;
}

void addChooser(QLineEdit* field, const char* name, const QString& toolTip,
                const std::function<QString()>& choose) {
  QAction* action = field->addAction(field->style()->standardIcon(QStyle::SP_DirOpenIcon),
                                     QLineEdit::TrailingPosition);
  action->setObjectName(name);
  action->setToolTip(toolTip);
  QObject::connect(action, &QAction::triggered, field, [field, choose] {
    if (const QString text = choose(); !text.isEmpty()) field->setText(text);
  });
}

}  // namespace ui
}  // namespace twb
