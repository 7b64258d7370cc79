#include "ui/recent_jobs_menu.h"

#include <QDir>
#include <QFileInfo>
#include <QSettings>

namespace twb::ui {

namespace {
constexpr const char* kSetting = "recentJobs";
}  // namespace

RecentJobsMenu::RecentJobsMenu(QWidget* parent) : QMenu(tr("Open &recent"), parent) {
  setObjectName("recentJobs");
  rebuild();
}

QStringList RecentJobsMenu::paths() const { return QSettings().value(kSetting).toStringList(); }

void RecentJobsMenu::add(const QString& path) {
  const QString absolute = QFileInfo(path).absoluteFilePath();
  QStringList kept = paths();
  kept.removeAll(absolute);
  kept.prepend(absolute);
  keep(kept.mid(0, kKept));
}

void RecentJobsMenu::remove(const QString& path) {
  QStringList kept = paths();
  kept.removeAll(QFileInfo(path).absoluteFilePath());
  keep(kept);
}

void RecentJobsMenu::keep(const QStringList& paths) {
  QSettings().setValue(kSetting, paths);
  rebuild();
}

void RecentJobsMenu::rebuild() {
  clear();
  const QStringList kept = paths();
  for (int i = 0; i < kept.size(); ++i) {
    // "&1 job.json — /home/me/experiments": the name first, the folder to tell twins apart.
    const QFileInfo file(kept[i]);
    const QString text = QString("&%1 %2 — %3")
                             .arg(i + 1)
                             .arg(file.fileName().replace('&', "&&"),
                                  QDir::toNativeSeparators(file.absolutePath()).replace('&', "&&"));
    addAction(text, this, [this, path = kept[i]] { emit chosen(path); });
  }
  addSeparator();
  addAction(tr("&Clear the list"), this, [this] { keep({}); })->setEnabled(!kept.isEmpty());
  setEnabled(!kept.isEmpty());
}

}  // namespace twb::ui
