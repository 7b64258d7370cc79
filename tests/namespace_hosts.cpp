#include "namespace_hosts.h"

#include "ssh_server.h"

namespace twb::test {

NamespaceHosts::NamespaceHosts(const QString& prefix, int hosts, const QString& rate)
    : m_prefix(prefix), m_bridge(prefix + "br"), m_rate(rate), m_hosts(hosts) {
  remove();  // what a killed run may have left
  run({"ip", "link", "add", m_bridge, "type", "bridge"});
  run({"ip", "addr", "add", "10.78.0.1/24", "dev", m_bridge});
  run({"ip", "link", "set", m_bridge, "up"});
  for (int i = 0; i < hosts; ++i) {
    const QString ns = name(i), outside = ns + "h", inside = ns + "n";
    run({"ip", "netns", "add", ns});
    run({"ip", "link", "add", outside, "type", "veth", "peer", "name", inside});
    run({"ip", "link", "set", inside, "netns", ns});
    run({"ip", "link", "set", outside, "master", m_bridge});
    run({"ip", "link", "set", outside, "up"});
    run({"ip", "netns", "exec", ns, "ip", "addr", "add", address(i) + "/24", "dev", inside});
    run({"ip", "netns", "exec", ns, "ip", "link", "set", inside, "up"});
    run({"ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up"});
    shape(i);
  }
}

void NamespaceHosts::shape(int host) {
  // Both directions of the host's link: into it (bridge side) and out of it.
  const QStringList tbf{"root", "tbf", "rate", m_rate, "burst", "256kb", "latency", "50ms"};
  run(QStringList{"tc", "qdisc", "replace", "dev", name(host) + "h"} + tbf);
  run(QStringList{"ip", "netns", "exec", name(host), "tc", "qdisc", "replace", "dev", name(host) + "n"} + tbf);
}

void NamespaceHosts::cutOff(int host) {
  run({"tc", "qdisc", "replace", "dev", name(host) + "h", "root", "blackhole"});
  run({"ip", "netns", "exec", name(host), "tc", "qdisc", "replace", "dev", name(host) + "n", "root",
       "blackhole"});
}

NamespaceHosts::~NamespaceHosts() { remove(); }

void NamespaceHosts::run(const QStringList& command) {
  QString output;
  if (runCommand(command.front(), command.mid(1), &output) != 0 && m_error.isEmpty())
    m_error = command.join(' ') + ": " + output.trimmed();
}

void NamespaceHosts::remove() {
  for (int i = 0; i < m_hosts; ++i) {
    runCommand("ip", {"link", "del", name(i) + "h"});
    runCommand("ip", {"netns", "del", name(i)});
  }
  runCommand("ip", {"link", "del", m_bridge});
}

}  // namespace twb::test
