#pragma once

#include <QMenu>

namespace twb::ui {

// File > Open recent: the job files opened or saved last, newest first, kept in the settings as
// Qt Creator keeps its recent files. Offered as they are; one that is gone by then is said by
// whoever opens it, and dropped.
class RecentJobsMenu : public QMenu {
  Q_OBJECT

 public:
  static constexpr int kKept = 8;

  explicit RecentJobsMenu(QWidget* parent = nullptr);

  QStringList paths() const;
  void add(const QString& path);  // first in the list
  void remove(const QString& path);

 signals:
  void chosen(const QString& path);

 private:
  void keep(const QStringList& paths);
  void rebuild();
};

}  // namespace twb::ui
