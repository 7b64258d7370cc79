// The plugins linked into the workbench: compiled into each program that links
// twb_builtin_plugins, so the linker keeps them and PluginCatalog finds them as static plugins.
#include <QtPlugin>

Q_IMPORT_PLUGIN(SshNodePlugin)
Q_IMPORT_PLUGIN(LocalNodePlugin)
Q_IMPORT_PLUGIN(ModelFilesPlugin)
