#pragma once

#include <QListWidget>
#include <QStringList>

namespace twb::ui {

// The nodes a job runs across, checked in a list of the known ones. The order they were checked
// in is the job's (the first holds rank 0 and the run's files), and each checked node says its
// place. A node the job names that is not known here stays listed, checked, so nothing the user
// wrote disappears.
class NodeChecklist : public QListWidget {
  Q_OBJECT

 public:
  explicit NodeChecklist(QWidget* parent = nullptr);

  void setAvailable(const QStringList& names);  // "local" and the saved nodes
  void setChosen(const QStringList& names);     // from the job; emits nothing
  QStringList chosen() const { return m_chosen; }

 signals:
  void chosenChanged(const QStringList& names);

 private:
  void rebuild();

  QStringList m_available, m_chosen;
  bool m_rebuilding = false;
};

}  // namespace twb::ui
