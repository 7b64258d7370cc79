#include "ui/node_checklist.h"

namespace twb::ui {

NodeChecklist::NodeChecklist(QWidget* parent) : QListWidget(parent) {
  setObjectName("parallelNodes");
  setToolTip(
      tr("Check two or more nodes to run the job across them, ranks per node on each. The "
         "first checked holds rank 0, the checkpoints and the model."));
  setMaximumHeight(fontMetrics().height() * 6);
  connect(this, &QListWidget::itemChanged, this, [this](QListWidgetItem* item) {
    if (m_rebuilding) return;
    const QString name = item->data(Qt::UserRole).toString();
    m_chosen.removeAll(name);
    if (item->checkState() == Qt::Checked) m_chosen << name;
    rebuild();
    emit chosenChanged(m_chosen);
  });
}

void NodeChecklist::setAvailable(const QStringList& names) {
  m_available = names;
  rebuild();
}

void NodeChecklist::setChosen(const QStringList& names) {
  m_chosen = names;
  rebuild();
}

void NodeChecklist::rebuild() {
  m_rebuilding = true;
  clear();
  QStringList shown = m_available;
  for (const QString& name : std::as_const(m_chosen))
    if (!shown.contains(name)) shown << name;
  for (const QString& name : std::as_const(shown)) {
    const int place = static_cast<int>(m_chosen.indexOf(name));
    QString text = name;
    if (place >= 0) text += tr("  — node %1 of %2").arg(place + 1).arg(m_chosen.size());
    if (!m_available.contains(name)) text += tr(" (not a saved node)");
    auto* item = new QListWidgetItem(text, this);
    item->setData(Qt::UserRole, name);
    item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsUserCheckable);
    item->setCheckState(place >= 0 ? Qt::Checked : Qt::Unchecked);
  }
  m_rebuilding = false;
}

}  // namespace twb::ui
