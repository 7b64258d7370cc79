// A plugin built against an interface version the workbench no longer has: listed, not used.
#include <QObject>
#include <QtPlugin>

class OldInterfacePlugin : public QObject {
  Q_OBJECT
  Q_PLUGIN_METADATA(IID "org.tensor-workbench.Plugin/0" FILE "old_interface.json")
};

#include "old_interface.moc"
