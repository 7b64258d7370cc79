#pragma once

#include <QJsonValue>
#include <QObject>
#include <QString>
#include <functional>
#include <vector>

#include "app/job_document.h"

class QCheckBox;
class QComboBox;
class QLineEdit;
class QSpinBox;

namespace twb {
namespace ui {

// Form fields tied to paths of a job document: each is shown from the document, and what the
// user edits is written back to its path (a value equal to the engine's default is left out of
// the file). Filling fields from the document is not an edit: while showQuietly() runs, their
// signals write nothing.
class FieldBindings : public QObject {
 public:
  // `edited`: the document changed through a field. `problem`: a field's text at `path` is not a
  // value yet (the message says why), or is one again (an empty message).
  FieldBindings(app::JobDocument& document, std::function<void()> edited,
                std::function<void(const QString& path, const QString& message)> problem,
                QObject* parent);

  void bindText(QLineEdit* edit, const QString& path, const QString& engineDefault);
  void bindNumber(QLineEdit* edit, const QString& path, double engineDefault);
  void bindInteger(QSpinBox* spin, const QString& path, int engineDefault);
  void bindChoice(QComboBox* combo, const QString& path, const QString& engineDefault);
  void bindFlag(QCheckBox* box, const QString& path, bool engineDefault);
  // What a field bound by hand calls with its new value: written at `path`, then edited().
  std::function<void(const QJsonValue&)> writerFor(const QString& path,
                                                   const QJsonValue& engineDefault);
  // How a field bound by hand is shown from the document; shown with the others.
  void addShower(std::function<void()> show) { m_showers.push_back(std::move(show)); }
  size_t count() const { return m_showers.size(); }

  void showAll();                            // every field, quietly
  void showRange(size_t first, size_t end);  // the fields bound in [first, end), quietly
  // Runs `show`, which fills fields from the document, without their signals writing back.
  void showQuietly(const std::function<void()>& show);
  bool showing() const { return m_showing; }

 private:
  app::JobDocument& m_document;
  std::function<void()> m_edited;
  std::function<void(const QString&, const QString&)> m_problem;
  std::vector<std::function<void()>> m_showers;  // one per bound field
  bool m_showing = false;
};

}  // namespace ui
}  // namespace twb
