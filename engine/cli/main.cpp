// twb-engine: the Tensor Workbench engine's command line.
#include <cstdio>

#include "cli/commands.h"
#include "cli/help_formatter.h"
#include "core/error.h"

int main(int argc, char** argv) {
  CLI::App app{"twb-engine: train, evaluate and inspect models on this machine"};
  app.formatter(std::make_shared<twb::HelpFormatter>());  // subcommands made below take it
  app.set_version_flag("--version", std::string("twb-engine ") + TWB_VERSION);
  app.require_subcommand(1);
  int exitCode = twb::kExitOk;
  twb::addInfoCommand(app, exitCode);
  twb::addTrainCommand(app, exitCode);
  twb::addEvalCommand(app, exitCode);
  twb::addPredictCommand(app, exitCode);
  twb::addBenchCommand(app, exitCode);
  twb::addCompareCommand(app, exitCode);
  twb::addCatalogCommands(app, exitCode);
  twb::addImportCommand(app, exitCode);
  twb::addExportCommand(app, exitCode);
  twb::addQuantizeCommand(app, exitCode);
  twb::addServeCommand(app, exitCode);
  twb::addWorkerCommand(app, exitCode);
  twb::addClientCommand(app, exitCode);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const twb::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return twb::kExitError;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return twb::kExitError;
  }
  return exitCode;
}
