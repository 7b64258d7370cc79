#include "app/model_document.h"

#include <QJsonArray>
#include <QRegularExpression>
#include <QSet>
#include <QUndoCommand>
#include <algorithm>
#include <functional>

namespace twb::app {

// One edit: the whole document before and after it.
class StateCommand : public QUndoCommand {
 public:
  StateCommand(ModelDocument& document, const QString& text, ModelDocument::State before,
               ModelDocument::State after)
      : QUndoCommand(text),
        m_document(document),
        m_before(std::move(before)),
        m_after(std::move(after)) {}
  void redo() override { m_document.setState(m_after); }
  void undo() override { m_document.setState(m_before); }

 private:
  ModelDocument& m_document;
  ModelDocument::State m_before, m_after;
};

namespace {

QJsonArray withoutName(const QJsonArray& names, const QString& name) {
  QJsonArray kept;
  for (const QJsonValue& n : names)
    if (n.toString() != name) kept.append(n);
  return kept;
}

QJsonArray renamed(const QJsonArray& names, const QString& from, const QString& to) {
  QJsonArray out;
  for (const QJsonValue& n : names) out.append(n.toString() == from ? QJsonValue(to) : n);
  return out;
}

// The node an engine message is about: "node 'fc' (Linear): ...", "nodes[2] 'fc': ...", or
// the first node of "has a cycle: a <- b <- a".
QString nodeNamedIn(const QString& message) {
  static const QRegularExpression named(R"((?:node|nodes\[\d+\]) '([^']+)')"),
      cycle(R"(has a cycle: ([^ ]+))");
  if (const auto m = named.match(message); m.hasMatch()) return m.captured(1);
  if (const auto m = cycle.match(message); m.hasMatch()) return m.captured(1);
  return {};
}

// The model's inputs with `field` of input `name` set to `value`.
QJsonArray withInputField(const QJsonArray& inputs, const QString& name, const QString& field,
                          const QJsonValue& value) {
  QJsonArray out;
  for (const QJsonValue& v : inputs) {
    QJsonObject in = v.toObject();
    if (in.value("name").toString() == name) in[field] = value;
    out.append(in);
  }
  return out;
}

QStringList boxNamesOf(const QJsonObject& spec) {
  QStringList names;
  for (const QJsonValue& in : spec.value("inputs").toArray())
    names << in.toObject().value("name").toString();
  for (const QJsonValue& n : spec.value("nodes").toArray())
    names << n.toObject().value("name").toString();
  return names;
}

// `blocks` as the spec's; a model without blocks has no key.
void storeBlocks(QJsonObject& spec, const QJsonArray& blocks) {
  if (blocks.isEmpty())
    spec.remove("blocks");
  else
    spec["blocks"] = blocks;
}

// The spec's blocks after `edit` changed each one's node list; blocks left empty are dropped.
void editBlocks(QJsonObject& spec, const std::function<QJsonArray(const QJsonArray&)>& edit) {
  QJsonArray blocks;
  for (const QJsonValue& v : spec.value("blocks").toArray()) {
    QJsonObject block = v.toObject();
    block["nodes"] = edit(block.value("nodes").toArray());
    if (!block.value("nodes").toArray().isEmpty()) blocks.append(block);
  }
  storeBlocks(spec, blocks);
}

QStringList nodesOfBlock(const QJsonObject& spec, const QString& block) {
  QStringList nodes;
  for (const QJsonValue& v : spec.value("blocks").toArray())
    if (v.toObject().value("name").toString() == block)
      for (const QJsonValue& n : v.toObject().value("nodes").toArray()) nodes << n.toString();
  return nodes;
}

QStringList readsOf(const QJsonObject& spec, const QString& node) {
  for (const QJsonValue& v : spec.value("nodes").toArray())
    if (v.toObject().value("name").toString() == node) {
      QStringList names;
      for (const QJsonValue& n : v.toObject().value("inputs").toArray()) names << n.toString();
      return names;
    }
  return {};
}

}  // namespace

ModelDocument::ModelDocument(QObject* parent) : QObject(parent) {
  reset(QJsonObject{
      {"name", "model"},
      {"inputs", QJsonArray{QJsonObject{{"name", "image"}, {"shape", QJsonArray{1, 28, 28}}}}},
      {"nodes", QJsonArray()},
      {"outputs", QJsonArray()}});
}

QStringList ModelDocument::boxes() const { return boxNamesOf(m_state.spec); }

bool ModelDocument::isInput(const QString& box) const {
  for (const QJsonValue& in : m_state.spec.value("inputs").toArray())
    if (in.toObject().value("name").toString() == box) return true;
  return false;
}

int ModelDocument::nodeIndex(const QString& name) const {
  const QJsonArray all = nodes();
  for (int i = 0; i < all.size(); ++i)
    if (all[i].toObject().value("name").toString() == name) return i;
  return -1;
}

QJsonObject ModelDocument::node(const QString& name) const {
  const int i = nodeIndex(name);
  return i < 0 ? QJsonObject() : nodes()[i].toObject();
}

QStringList ModelDocument::inputsOf(const QString& node) const {
  return readsOf(m_state.spec, node);
}

void ModelDocument::reset(const QJsonObject& spec) {
  m_undo.clear();
  setState(laidOut({spec, {}, {}}));
  // Once more with the sizes the canvas measured while drawing the first.
  setState(laidOut(m_state));
}

QString ModelDocument::addNode(const QString& op, QPointF at) {
  const QStringList taken = boxes();
  QString name;
  for (int n = 1; name.isEmpty() || taken.contains(name); ++n)
    name = QString("%1_%2").arg(op.toLower()).arg(n);
  State after = m_state;
  QJsonArray all = nodes();
  all.append(QJsonObject{{"name", name}, {"op", op}, {"inputs", QJsonArray()}});
  after.spec["nodes"] = all;
  after.positions[name] = at;
  apply(tr("Add %1").arg(op), after);
  return name;
}

void ModelDocument::removeBoxes(const QStringList& names) {
  State after = m_state;
  QJsonArray kept, inputs;
  for (const QJsonValue& v : nodes()) {
    QJsonObject n = v.toObject();
    if (names.contains(n.value("name").toString())) continue;
    QJsonArray reads = n.value("inputs").toArray();
    for (const QString& gone : names) reads = withoutName(reads, gone);
    n["inputs"] = reads;
    kept.append(n);
  }
  for (const QJsonValue& in : m_state.spec.value("inputs").toArray())
    if (!names.contains(in.toObject().value("name").toString())) inputs.append(in);
  after.spec["nodes"] = kept;
  after.spec["inputs"] = inputs;
  for (const QString& gone : names) after.positions.remove(gone);
  editBlocks(after.spec, [&](QJsonArray members) {
    for (const QString& gone : names) members = withoutName(members, gone);
    return members;
  });
  apply(tr("Delete %1").arg(names.join(", ")), after);
}

bool ModelDocument::connectBoxes(const QString& from, const QString& to, QString* why) {
  const int target = nodeIndex(to);
  QString problem;
  if (target < 0)
    problem = tr("'%1' is an input of the model: it reads nothing").arg(to);
  else if (from == to)
    problem = tr("'%1' cannot read itself").arg(to);
  else if (inputsOf(to).contains(from))
    problem = tr("'%1' reads '%2' already").arg(to, from);
  if (!problem.isEmpty()) {
    if (why) *why = problem;
    return false;
  }
  State after = m_state;
  QJsonArray all = nodes();
  QJsonObject n = all[target].toObject();
  QJsonArray reads = n.value("inputs").toArray();
  reads.append(from);
  n["inputs"] = reads;
  all[target] = n;
  after.spec["nodes"] = all;
  apply(tr("Connect %1 to %2").arg(from, to), after);
  return true;
}

void ModelDocument::disconnectBoxes(const QString& from, const QString& to) {
  const int target = nodeIndex(to);
  if (target < 0) return;
  State after = m_state;
  QJsonArray all = nodes();
  QJsonObject n = all[target].toObject();
  n["inputs"] = withoutName(n.value("inputs").toArray(), from);
  all[target] = n;
  after.spec["nodes"] = all;
  apply(tr("Disconnect %1 from %2").arg(from, to), after);
}

bool ModelDocument::rename(const QString& box, const QString& name, QString* why) {
  QString problem;
  if (name.trimmed().isEmpty())
    problem = tr("a name must not be empty");
  else if (name != box && (boxes().contains(name) || blockNamed(name)))
    problem = tr("'%1' is the name of another box or block").arg(name);
  if (!problem.isEmpty()) {
    if (why) *why = problem;
    return false;
  }
  if (name == box) return true;
  State after = m_state;
  QJsonArray all;
  for (const QJsonValue& v : nodes()) {
    QJsonObject n = v.toObject();
    if (n.value("name").toString() == box) n["name"] = name;
    n["inputs"] = renamed(n.value("inputs").toArray(), box, name);
    all.append(n);
  }
  after.spec["nodes"] = all;
  after.spec["inputs"] = withInputField(m_state.spec.value("inputs").toArray(), box, "name", name);
  after.positions[name] = after.positions.take(box);
  editBlocks(after.spec, [&](const QJsonArray& members) { return renamed(members, box, name); });
  apply(tr("Rename %1 to %2").arg(box, name), after);
  return true;
}

QList<ModelDocument::Block> ModelDocument::blocks() const {
  QList<Block> blocks;
  for (const QJsonValue& v : m_state.spec.value("blocks").toArray()) {
    const QString name = v.toObject().value("name").toString();
    blocks << Block{name, nodesOfBlock(m_state.spec, name)};
  }
  return blocks;
}

QStringList ModelDocument::nodesOf(const QString& block) const {
  return nodesOfBlock(m_state.spec, block);
}

bool ModelDocument::blockNamed(const QString& name) const {
  const QList<Block> all = blocks();
  return std::any_of(all.begin(), all.end(), [&](const Block& b) { return b.name == name; });
}

QString ModelDocument::blockOf(const QString& node) const {
  for (const Block& block : blocks())
    if (block.nodes.contains(node)) return block.name;
  return {};
}

bool ModelDocument::group(const QString& name, const QStringList& members, QString* why) {
  QString problem;
  if (name.trimmed().isEmpty())
    problem = tr("a block needs a name");
  else if (boxes().contains(name) || blockNamed(name))
    problem = tr("'%1' is the name of a box or block already").arg(name);
  else if (members.isEmpty())
    problem = tr("select the nodes of the block first");
  for (const QString& member : members) {
    if (!problem.isEmpty()) break;
    if (isInput(member))
      problem = tr("'%1' is an input of the model: a block holds nodes").arg(member);
    else if (!blockOf(member).isEmpty())
      problem = tr("'%1' is in block '%2' already").arg(member, blockOf(member));
  }
  if (!problem.isEmpty()) {
    if (why) *why = problem;
    return false;
  }
  State after = m_state;
  QJsonArray blocks = m_state.spec.value("blocks").toArray();
  QStringList ordered;  // in node order, as the spec lists them
  for (const QString& box : boxes())
    if (members.contains(box)) ordered << box;
  blocks.append(QJsonObject{{"name", name}, {"nodes", QJsonArray::fromStringList(ordered)}});
  after.spec["blocks"] = blocks;
  apply(tr("Group %1").arg(name), after);
  return true;
}

void ModelDocument::ungroup(const QString& name) {
  State after = isCollapsed(name) ? openedState(m_state, name) : m_state;
  QJsonArray blocks;
  for (const QJsonValue& v : m_state.spec.value("blocks").toArray())
    if (v.toObject().value("name").toString() != name) blocks.append(v);
  storeBlocks(after.spec, blocks);
  apply(tr("Ungroup %1").arg(name), after);
}

void ModelDocument::setAttribute(const QString& node, const QString& attribute,
                                 const QJsonValue& value) {
  const int i = nodeIndex(node);
  if (i < 0) return;
  State after = m_state;
  QJsonArray all = nodes();
  QJsonObject n = all[i].toObject();
  QJsonObject attrs = n.value("attrs").toObject();
  if (value.isUndefined())
    attrs.remove(attribute);
  else
    attrs[attribute] = value;
  if (attrs == n.value("attrs").toObject()) return;
  if (attrs.isEmpty())
    n.remove("attrs");  // as the engine writes a spec
  else
    n["attrs"] = attrs;
  all[i] = n;
  after.spec["nodes"] = all;
  apply(tr("Set %1 of %2").arg(attribute, node), after);
}

void ModelDocument::setInputShape(const QString& input, const QJsonArray& shape) {
  State after = m_state;
  after.spec["inputs"] =
      withInputField(m_state.spec.value("inputs").toArray(), input, "shape", shape);
  apply(tr("Set the shape of %1").arg(input), after);
}

void ModelDocument::moveBoxes(const QHash<QString, QPointF>& to) {
  State after = m_state;
  for (auto it = to.begin(); it != to.end(); ++it) after.positions[it.key()] = it.value();
  apply(tr("Move"), after);
}

void ModelDocument::layOut() { apply(tr("Lay out"), laidOut(m_state)); }

QJsonObject ModelDocument::copyOf(const QStringList& names) const {
  QJsonArray copied;
  QJsonObject positions;
  for (const QJsonValue& v : nodes()) {
    QJsonObject n = v.toObject();
    const QString name = n.value("name").toString();
    if (!names.contains(name)) continue;
    QJsonArray reads;
    for (const QJsonValue& in : n.value("inputs").toArray())
      if (names.contains(in.toString())) reads.append(in);
    n["inputs"] = reads;
    copied.append(n);
    positions[name] = QJsonArray{position(name).x(), position(name).y()};
  }
  return {{"nodes", copied}, {"positions", positions}};
}

QStringList ModelDocument::paste(const QJsonObject& copied, QPointF offset) {
  QStringList taken = boxes(), added;
  QHash<QString, QString> newName;
  const QJsonArray incoming = copied.value("nodes").toArray();
  for (const QJsonValue& v : incoming) {
    const QString name = v.toObject().value("name").toString();
    QString fresh = name;
    for (int n = 2; taken.contains(fresh); ++n) fresh = QString("%1_%2").arg(name).arg(n);
    taken << fresh;
    newName[name] = fresh;
  }
  State after = m_state;
  QJsonArray all = nodes();
  const QJsonObject positions = copied.value("positions").toObject();
  for (const QJsonValue& v : incoming) {
    QJsonObject n = v.toObject();
    const QString name = n.value("name").toString();
    QJsonArray reads;
    for (const QJsonValue& in : n.value("inputs").toArray())
      reads.append(newName.value(in.toString(), in.toString()));
    n["name"] = newName[name];
    n["inputs"] = reads;
    all.append(n);
    const QJsonArray at = positions.value(name).toArray();
    after.positions[newName[name]] = QPointF(at.at(0).toDouble(), at.at(1).toDouble()) + offset;
    added << newName[name];
  }
  if (added.isEmpty()) return {};
  after.spec["nodes"] = all;
  apply(tr("Paste %1").arg(added.join(", ")), after);
  return added;
}

bool ModelDocument::repeat(const QStringList& block, int times, QString* why) {
  const QSet<QString> inside(block.begin(), block.end());
  QSet<QString> entries, exits;
  for (const QJsonValue& v : nodes()) {
    const QString name = v.toObject().value("name").toString();
    for (const QString& from : inputsOf(name)) {
      if (inside.contains(name) && !inside.contains(from)) entries.insert(from);
      if (!inside.contains(name) && inside.contains(from)) exits.insert(from);
    }
  }
  for (const QJsonValue& out : m_state.spec.value("outputs").toArray())
    if (inside.contains(out.toString())) exits.insert(out.toString());
  QString problem;
  if (block.isEmpty() || times < 2)
    problem = tr("select the nodes of a block, and repeat it at least twice");
  else if (std::any_of(block.begin(), block.end(),
                       [&](const QString& b) { return isInput(b) || nodeIndex(b) < 0; }))
    problem = tr("a repeated block holds nodes only, not the model's inputs");
  else if (entries.size() != 1)
    problem = tr("a repeated block reads one box from outside it; this one reads %n", nullptr,
                 static_cast<int>(entries.size()));
  else if (exits.size() != 1)
    problem = tr("one node of a repeated block is read outside it; here %n are", nullptr,
                 static_cast<int>(exits.size()));
  if (!problem.isEmpty()) {
    if (why) *why = problem;
    return false;
  }
  const QString entry = *entries.begin(), exit = *exits.begin();
  QStringList taken = boxes();
  QJsonArray all = nodes();
  QString previousExit = exit;
  QSet<QString> copies;
  for (int copy = 2; copy <= times; ++copy) {
    QHash<QString, QString> nameOf;
    for (const QString& b : block) {
      QString fresh = QString("%1_%2").arg(b).arg(copy);
      for (int n = 2; taken.contains(fresh); ++n)
        fresh = QString("%1_%2_%3").arg(b).arg(copy).arg(n);
      taken << fresh;
      copies << fresh;
      nameOf[b] = fresh;
    }
    for (const QJsonValue& v : nodes()) {  // in spec order, so copies keep the block's order
      QJsonObject n = v.toObject();
      if (!inside.contains(n.value("name").toString())) continue;
      QJsonArray reads;
      for (const QJsonValue& in : n.value("inputs").toArray())
        reads.append(in.toString() == entry ? previousExit : nameOf.value(in.toString()));
      n["name"] = nameOf[n.value("name").toString()];
      n["inputs"] = reads;
      all.append(n);
    }
    previousExit = nameOf[exit];
  }
  // What read the block now reads its last copy.
  for (int i = 0; i < all.size(); ++i) {
    QJsonObject n = all[i].toObject();
    const QString name = n.value("name").toString();
    if (inside.contains(name) || copies.contains(name)) continue;
    n["inputs"] = renamed(n.value("inputs").toArray(), exit, previousExit);
    all[i] = n;
  }
  State after = m_state;
  after.spec["nodes"] = all;
  apply(tr("Repeat %1 %2 times").arg(block.join(", ")).arg(times), laidOut(after));
  return true;
}

ModelDocument::State ModelDocument::laidOut(State state) const {
  const QStringList names = boxNamesOf(state.spec);
  // A collapsed block is one box to lay out, where its first node is; its other nodes keep their
  // places around that one, for when it opens.
  QHash<QString, QString> firstOfBlock;  // each collapsed block's node -> the block's first
  QHash<QString, QString> blockOfFirst;  // that first node -> its block
  for (auto it = state.collapsed.cbegin(); it != state.collapsed.cend(); ++it) {
    const QStringList members = nodesOfBlock(state.spec, it.key());
    if (members.isEmpty()) continue;
    for (const QString& member : members) firstOfBlock.insert(member, members.front());
    blockOfFirst.insert(members.front(), it.key());
  }
  QStringList laid;  // the boxes laid out: every name but a collapsed block's later nodes
  for (const QString& name : names)
    if (firstOfBlock.value(name, name) == name) laid << name;
  QVector<QSizeF> sizes;
  QVector<LayoutEdge> edges;
  // A box's size as drawn: a collapsed block's under its name, else its first node's.
  const auto drawnSize = [&](const QString& box, const QString& name) {
    return m_sizes.value(name, m_sizes.value(box, QSizeF(120, 48)));
  };
  for (const QString& box : laid) sizes.append(drawnSize(box, blockOfFirst.value(box, box)));
  for (const QString& name : names) {
    const auto to = static_cast<int>(laid.indexOf(firstOfBlock.value(name, name)));
    for (const QString& from : readsOf(state.spec, name)) {
      const auto j = static_cast<int>(laid.indexOf(firstOfBlock.value(from, from)));
      if (j >= 0 && j != to) edges.append({j, to});
    }
  }
  const GraphLayout layout = layoutLayered(sizes, edges, 32);
  const QHash<QString, QPointF> before = state.positions;
  for (int i = 0; i < laid.size(); ++i) state.positions[laid[i]] = layout.nodes[i].topLeft();
  for (auto it = firstOfBlock.cbegin(); it != firstOfBlock.cend(); ++it)
    if (it.key() != it.value())
      state.positions[it.key()] =
          state.positions[it.value()] + before.value(it.key()) - before.value(it.value());
  // What now starts below a collapsed block's box moves down when it opens.
  for (auto it = state.collapsed.begin(); it != state.collapsed.end(); ++it) {
    const QStringList members = nodesOfBlock(state.spec, it.key());
    if (members.isEmpty()) continue;
    const double bottom =
        state.positions.value(members.front()).y() + drawnSize(members.front(), it.key()).height();
    it.value().clear();
    for (auto place = state.positions.cbegin(); place != state.positions.cend(); ++place)
      if (!members.contains(place.key()) && place.value().y() >= bottom) it.value() << place.key();
  }
  return state;
}

ModelDocument::BlockExtent ModelDocument::extentOf(const State& state,
                                                   const QString& block) const {
  const QStringList members = nodesOfBlock(state.spec, block);
  if (members.isEmpty()) return {};
  const auto sizeOf = [&](const QString& box) { return m_sizes.value(box, QSizeF(120, 48)); };
  QRectF open;
  for (const QString& member : members)
    open |= QRectF(state.positions.value(member), sizeOf(member));
  const double closedBottom =
      state.positions.value(members.front()).y() + sizeOf(members.front()).height();
  return {members, open.bottom(), open.bottom() - closedBottom};
}

ModelDocument::State ModelDocument::collapsedState(State state, const QString& block) const {
  const BlockExtent extent = extentOf(state, block);
  if (extent.nodes.isEmpty()) return state;
  // What starts below the open block (not beside it) moves up into the room.
  QStringList moved;
  for (auto it = state.positions.begin(); it != state.positions.end(); ++it)
    if (!extent.nodes.contains(it.key()) && it.value().y() >= extent.bottom) {
      it.value().ry() -= extent.room;
      moved << it.key();
    }
  state.collapsed.insert(block, moved);
  return state;
}

ModelDocument::State ModelDocument::openedState(State state, const QString& block) const {
  const double room = extentOf(state, block).room;
  for (const QString& box : state.collapsed.take(block))
    if (state.positions.contains(box)) state.positions[box].ry() += room;
  return state;
}

void ModelDocument::setCollapsed(const QString& block, bool collapsed) {
  if (collapsed == isCollapsed(block) || !blockNamed(block)) return;
  const State after = collapsed ? collapsedState(m_state, block) : openedState(m_state, block);
  apply(collapsed ? tr("Collapse %1").arg(block) : tr("Open %1").arg(block), after);
}

void ModelDocument::apply(const QString& what, State after) {
  m_undo.push(new StateCommand(*this, what, m_state, std::move(after)));
}

void ModelDocument::setState(const State& state) {
  m_state = state;
  for (const QString& block : m_state.collapsed.keys())  // a block whose nodes were all deleted
    if (!blockNamed(block)) m_state.collapsed.remove(block);
  // Outputs: the nodes nothing reads.
  QSet<QString> read;
  for (const QJsonValue& v : nodes())
    for (const QJsonValue& in : v.toObject().value("inputs").toArray()) read.insert(in.toString());
  QJsonArray outputs;
  for (const QJsonValue& v : nodes())
    if (!read.contains(v.toObject().value("name").toString()))
      outputs.append(v.toObject().value("name"));
  m_state.spec["outputs"] = outputs;
  m_graph = modelGraphOfSpec(m_state.spec);
  m_errorNode = nodeNamedIn(m_graph.error);
  emit changed();
}

}  // namespace twb::app
