#pragma once

#include <QDialog>
#include <QList>

#include "plugins/plugin_interfaces.h"

class QLineEdit;
class QPushButton;

namespace twb::ui {

// Asks for the sizes a model file leaves free (a text model's sequence length, an image's height
// and width), as OpenVINO's model import does: a row per input with the file's own sizes as they
// are and a field for each free one, named as the file names it. The batch stays free. The
// accepting button ("Open" in the Model tab) is off until every field holds a size.
class InputSizesDialog : public QDialog {
  Q_OBJECT

 public:
  InputSizesDialog(const QString& file, const QList<plugins::FreeInput>& inputs,
                   const QString& acceptText, QWidget* parent = nullptr);

  // Every input's dimensions after the batch: the file's, and the sizes typed.
  plugins::InputShapes shapes() const;

 private:
  void enableAccept();

  QList<plugins::FreeInput> m_inputs;
  QList<QList<QLineEdit*>> m_fields;  // by input and dimension; null where the file fixes it
  QPushButton* m_accept;
};

}  // namespace twb::ui
