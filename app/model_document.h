#pragma once

#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QObject>
#include <QPointF>
#include <QStringList>
#include <QUndoStack>

#include "app/model_graph.h"

namespace twb::app {

// A model being designed: its spec (docs/model-file.md) and where each box sits on the canvas.
// Every edit is one command on the undo stack holding the whole state before and after, so undo
// gives back exactly the model there was. After every change the engine checks the spec (shape
// inference, app/model_graph.h): graph() has the shapes, or the engine's message and the node it
// names. The model's outputs are its nodes that no node reads, in node order.
class ModelDocument : public QObject {
  Q_OBJECT

 public:
  struct State {
    QJsonObject spec;
    QHash<QString, QPointF> positions;  // box name -> top-left on the canvas
    // Blocks drawn as one box, at their first node: each with the boxes it moved up into the
    // room it freed, which move back down when it opens.
    QHash<QString, QStringList> collapsed;
  };
  // A named group of nodes (the spec's "blocks", docs/model-file.md), drawn as one frame.
  struct Block {
    QString name;
    QStringList nodes;
  };

  explicit ModelDocument(QObject* parent = nullptr);

  const QJsonObject& spec() const { return m_state.spec; }
  QStringList boxes() const;  // inputs, then nodes, in spec order
  QStringList inputsOf(const QString& node) const;
  QPointF position(const QString& box) const { return m_state.positions.value(box); }
  bool isInput(const QString& box) const;
  QJsonObject node(const QString& name) const;  // empty when there is none
  QList<Block> blocks() const;
  QStringList nodesOf(const QString& block) const;  // in node order; empty: no such block
  QString blockOf(const QString& node) const;  // empty: in none
  const ModelGraph& graph() const { return m_graph; }
  QString errorNode() const { return m_errorNode; }  // the box the engine's message names
  QUndoStack* undoStack() { return &m_undo; }
  // Nothing was done since the model was opened or the stack last marked clean (a save).
  bool isClean() const { return m_undo.isClean(); }

  // A new model (a template, an opened file): a fresh history, laid out.
  void reset(const QJsonObject& spec);
  // Edits, each undoable; they return false (changing nothing) with `why` for edits that make
  // no model at all (a name used twice, an unknown op); the rest is for the engine to judge.
  QString addNode(const QString& op, QPointF at);  // named after the op: "conv2d_1", ...
  void removeBoxes(const QStringList& names);      // and every edge from them
  bool connectBoxes(const QString& from, const QString& to, QString* why = nullptr);
  void disconnectBoxes(const QString& from, const QString& to);
  bool rename(const QString& box, const QString& name, QString* why = nullptr);
  // An attribute's value; an undefined value removes it (its default applies).
  void setAttribute(const QString& node, const QString& attribute, const QJsonValue& value);
  void setInputShape(const QString& input, const QJsonArray& shape);
  void moveBoxes(const QHash<QString, QPointF>& to);
  // Makes `nodes` the block `name`; false with `why` for an empty name, a name a box or block
  // has, an input, or a node in another block already.
  bool group(const QString& name, const QStringList& nodes, QString* why = nullptr);
  void ungroup(const QString& name);
  // Draws `block` as one box, the boxes below it moved up into the room it no longer takes, or
  // opens it again (they move back down). An edit of the drawing, not of the model: undone like
  // the others.
  void setCollapsed(const QString& block, bool collapsed);
  bool isCollapsed(const QString& block) const { return m_state.collapsed.contains(block); }
  void layOut();  // every box where the layered layout puts it, a collapsed block as one

  // Nodes as the clipboard holds them: {"nodes": [...], "positions": {name: [x, y]}}, each
  // node reading only the copied boxes (edges from outside are left behind).
  QJsonObject copyOf(const QStringList& names) const;
  // Adds copied nodes, `offset` from where they were, renamed where a name is taken (and their
  // edges with them), as one edit; returns the new names.
  QStringList paste(const QJsonObject& copied, QPointF offset);

  // The block of `nodes` (read from one box outside it, read outside it from one of its nodes)
  // made to appear `times` times in a row: each copy reads the one before, what read the block
  // reads the last copy; renamed copies, laid out again, as one edit. False with `why` for a
  // selection that is no such block.
  bool repeat(const QStringList& nodes, int times, QString* why);

  // Box sizes the canvas draws (it sets them whenever it draws), a collapsed block's under its
  // name, for laying out; a box without one is taken as 120 x 48.
  void setBoxSizes(const QHash<QString, QSizeF>& sizes) { m_sizes = sizes; }

 signals:
  void changed();

 private:
  friend class StateCommand;
  void apply(const QString& what, State after);
  void setState(const State& state);
  State laidOut(State state) const;
  // `state` with `block` collapsed (the boxes below it moved up by the room it no longer takes)
  // or opened (those boxes moved back down).
  State collapsedState(State state, const QString& block) const;
  State openedState(State state, const QString& block) const;
  // Where an open block ends, and the room it takes beyond one box's height.
  struct BlockExtent {
    QStringList nodes;
    double bottom = 0, room = 0;
  };
  BlockExtent extentOf(const State& state, const QString& block) const;
  QJsonArray nodes() const { return m_state.spec.value("nodes").toArray(); }
  int nodeIndex(const QString& name) const;
  bool blockNamed(const QString& name) const;

  State m_state;
  ModelGraph m_graph;
  QString m_errorNode;
  QHash<QString, QSizeF> m_sizes;
  QUndoStack m_undo;
};

}  // namespace twb::app
