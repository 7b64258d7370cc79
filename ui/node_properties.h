#pragma once

#include <QJsonArray>
#include <QWidget>

#include "app/model_document.h"

class QFormLayout;
class QLabel;

namespace twb::ui {

// The designer's property editor for the one selected box, generated from the op's attribute
// schema (the engine's op catalogue): its name; an input's shape; a node's op, documentation,
// one field per attribute (the default as placeholder: empty means the default; an integer or
// [h, w] pair is typed "3" or "3, 1"; integer lists "1, 2, 3"; booleans as check boxes), and what
// the engine inferred (output shape, parameters, FLOPs). Every field is applied when it is left
// or Enter is pressed, as one undoable edit; a value of the wrong type is refused beside it.
class NodeProperties : public QWidget {
  Q_OBJECT

 public:
  NodeProperties(app::ModelDocument& document, const QJsonArray& catalog,
                 QWidget* parent = nullptr);
  void showBox(const QString& box);  // empty: nothing selected
  void setCatalog(const QJsonArray& catalog);

 signals:
  void renamed(const QString& name);  // the box shown has this name now

 private:
  // Later, from the event loop: a field's own signal may be what changed the document, and
  // rebuilding deletes the fields.
  void scheduleRebuild();
  void rebuild();
  QWidget* attributeField(const QJsonObject& schema, const QJsonValue& value);

  app::ModelDocument& m_document;
  QJsonArray m_catalog;
  QString m_box;
  QWidget* m_page = nullptr;  // the fields of the box shown, made anew for each
  QFormLayout* m_form = nullptr;
  QLabel* m_problem;
  bool m_rebuildPending = false;
};

// An attribute's text as typed, as JSON of its schema type ("integer", "number", "boolean",
// "string", "integer or [h, w]", "integers"); undefined for an empty text (the default), and
// null with `why` set for a text that is not of the type.
QJsonValue attributeValue(const QString& type, const QString& text, QString* why);
QString attributeText(const QJsonValue& value);

}  // namespace twb::ui
