#include "ui/input_sizes_dialog.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QIntValidator>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <limits>

namespace twb::ui {

namespace {
// The engine takes sizes up to 2^31 (io/input_shapes.h); a validator's bound is an int.
constexpr int kLargestSize = std::numeric_limits<int>::max();
}

InputSizesDialog::InputSizesDialog(const QString& file, const QList<plugins::FreeInput>& inputs,
                                   const QString& acceptText, QWidget* parent)
    : QDialog(parent), m_inputs(inputs) {
  setObjectName("inputSizesDialog");
  setWindowTitle(tr("Sizes of %1").arg(file));
  auto* form = new QFormLayout(this);
  auto* text = new QLabel(
      tr("%1 leaves these sizes of its inputs free: give them here. The batch stays free.")
          .arg(file));
  text->setWordWrap(true);
  form->addRow(text);
  for (const plugins::FreeInput& input : inputs) {
    auto* row = new QHBoxLayout;
    auto* batch = new QLabel("N");  // as the designer's boxes write the batch
    batch->setToolTip(tr("The batch, left free"));
    row->addWidget(batch);
    QList<QLineEdit*> fields;
    for (int i = 0; i < input.dims.size(); ++i) {
      row->addWidget(new QLabel("×"));
      if (input.dims[i] > 0) {
        row->addWidget(new QLabel(QString::number(input.dims[i])));
        fields << nullptr;
        continue;
      }
      auto* field = new QLineEdit;
      field->setObjectName(QString("inputSize_%1_%2").arg(input.name).arg(i + 1));
      field->setValidator(new QIntValidator(1, kLargestSize, field));
      const QString symbol = input.symbols.value(i);
      field->setPlaceholderText(symbol.isEmpty() ? tr("dimension %1").arg(i + 1) : symbol);
      field->setToolTip(tr("Dimension %1 of input '%2', a size from 1 to %3")
                            .arg(i + 1)
                            .arg(input.name)
                            .arg(kLargestSize));
      field->setMaximumWidth(110);
      connect(field, &QLineEdit::textChanged, this, &InputSizesDialog::enableAccept);
      row->addWidget(field);
      fields << field;
    }
    row->addStretch(1);
    form->addRow(input.name + ":", row);
    m_fields << fields;
  }
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
  m_accept = buttons->button(QDialogButtonBox::Ok);
  m_accept->setText(acceptText);
  m_accept->setObjectName("inputSizesAccept");
  connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  form->addRow(buttons);
  setMinimumWidth(420);
  enableAccept();
}

void InputSizesDialog::enableAccept() {
  bool filled = true;
  for (const QList<QLineEdit*>& fields : m_fields)
    for (const QLineEdit* field : fields) filled &= !field || field->hasAcceptableInput();
  m_accept->setEnabled(filled);
}

plugins::InputShapes InputSizesDialog::shapes() const {
  plugins::InputShapes shapes;
  for (int input = 0; input < m_inputs.size(); ++input) {
    QList<qint64> dims = m_inputs[input].dims;
    for (int i = 0; i < dims.size(); ++i)
      if (const QLineEdit* field = m_fields[input][i]) dims[i] = field->text().toLongLong();
    shapes.insert(m_inputs[input].name, dims);
  }
  return shapes;
}

}  // namespace twb::ui
