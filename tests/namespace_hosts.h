#pragma once

#include <QString>
#include <QStringList>

namespace twb::test {

// Network-namespace "hosts" on one bridge, as machines of a small cluster: host i is namespace
// PREFIX-i with address 10.78.0.(i + 2) on a veth whose bridge side is rate-limited with tc's
// token bucket (`tbf`; this kernel has no netem), so traffic between hosts crosses shaped links.
// The bridge itself has 10.78.0.1: the test process reaches every host. Everything is removed
// when destroyed.
class NamespaceHosts {
 public:
  NamespaceHosts(const QString& prefix, int hosts, const QString& rate = "400mbit");
  ~NamespaceHosts();

  QString error() const { return m_error; }  // empty when every command worked
  QString name(int host) const { return m_prefix + QString::number(host); }
  QString address(int host) const { return "10.78.0." + QString::number(host + 2); }
  // Shapes both directions of the host's link (again, after a fault replaced its qdisc).
  void shape(int host);
  // Drops every packet of the host's link both ways (tc's blackhole qdisc: no reset reaches
  // either end, as when a cable is pulled) until shape(host).
  void cutOff(int host);

 private:
  void run(const QStringList& command);
  void remove();

  QString m_prefix, m_bridge, m_rate, m_error;
  int m_hosts;
};

}  // namespace twb::test
