#include "app/sweep_check.h"

#include <QCoreApplication>
#include <QJsonDocument>
#include <algorithm>
#include <numeric>
#include <set>

#include "app/job_document.h"

namespace twb::app {

namespace {
remote::JobValidation run(const TrialCheck& check) {
  if (!check.across.empty())
    return remote::checkJobAcrossNodes(check.across, QString::fromUtf8(check.job)).validation();
  return remote::validateJob(*check.endpoint, check.job, check.jobFolder);
}
}  // namespace

std::vector<TrialCheck> planTrialChecks(const SweepPlan& plan, const QStringList& nodes) {
  std::vector<TrialCheck> checks;
  std::vector<size_t> onFirstNode(plan.trials.size());
  std::iota(onFirstNode.begin(), onFirstNode.end(), size_t{0});
  if (plan.trials.size() > kEveryTrialCheckedUpTo) onFirstNode = trialsCoveringEveryValue(plan);
  for (int n = 0; n < nodes.size(); ++n)
    for (const size_t t : n == 0 ? onFirstNode : std::vector<size_t>{0}) {
      TrialCheck check;
      check.trial = t;
      check.job = QByteArray::fromStdString(plan.trials[t].job.dump());
      const QStringList across = nodesAcross(QJsonDocument::fromJson(check.job).object());
      if (across.isEmpty())
        check.node = nodes[n];
      else if (n == 0)  // wherever the sweep runs it, it runs there
        for (const QString& name : across) check.across.push_back({name, nullptr});
      else
        continue;
      checks.push_back(std::move(check));
    }
  return checks;
}

remote::JobValidation runTrialChecks(const std::vector<TrialCheck>& checks, const SweepPlan& plan,
                                     const nlohmann::json& job,
                                     const std::function<bool(int done)>& checked) {
  remote::JobValidation first;
  for (const TrialCheck& check : checks) {
    if (!checked(static_cast<int>(&check - checks.data())))
      return {false, {}, "stopped: a newer check was asked", {}};  // never shown
    remote::JobValidation answer = run(check);
    if (answer.ok) {
      if (&check == &checks.front()) first = answer;
      continue;
    }
    const SweepTrial& trial = plan.trials[check.trial];
    QStringList values;
    for (const auto& [path, value] : trial.values.items())
      values << QString::fromStdString(path + "=" + sweepValueText(value));
    const bool severalNodes = std::any_of(
        checks.begin(), checks.end(), [&](const TrialCheck& c) { return c.node != check.node; });
    const QString where =
        severalNodes && check.across.empty()
            ? QCoreApplication::translate("SweepCheck", " on node %1").arg(check.node)
            : QString();
    answer.message = QCoreApplication::translate("SweepCheck", "trial %1 of %2 (%3)%4: %5")
                         .arg(check.trial + 1)
                         .arg(plan.trials.size())
                         .arg(values.join(", "), where, answer.message);
    for (const auto& [path, value] : trial.values.items()) {
      const QString swept = QString::fromStdString(path);
      if (answer.path == swept || answer.path.startsWith(swept + '.') ||
          answer.path.startsWith(swept + '['))
        answer.path = QString::fromStdString(sweepValueField(job, trial, path));
    }
    return answer;
  }
  checked(static_cast<int>(checks.size()));
  std::set<size_t> trials;
  for (const TrialCheck& check : checks) trials.insert(check.trial);
  first.summary["trials"] = static_cast<double>(plan.trials.size());
  first.summary["trials_checked"] = static_cast<double>(trials.size());
  return first;
}

}  // namespace twb::app
