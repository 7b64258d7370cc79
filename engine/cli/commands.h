#pragma once

#include <CLI/CLI.hpp>

namespace twb {

// Each twb-engine subcommand adds itself to the app; its callback runs the command and sets
// the process exit code through `exitCode`.
void addInfoCommand(CLI::App& app, int& exitCode);
void addTrainCommand(CLI::App& app, int& exitCode);
void addEvalCommand(CLI::App& app, int& exitCode);
void addPredictCommand(CLI::App& app, int& exitCode);
void addBenchCommand(CLI::App& app, int& exitCode);
void addCompareCommand(CLI::App& app, int& exitCode);
void addCatalogCommands(CLI::App& app, int& exitCode);  // ops, templates
void addImportCommand(CLI::App& app, int& exitCode);
void addExportCommand(CLI::App& app, int& exitCode);
void addQuantizeCommand(CLI::App& app, int& exitCode);
void addServeCommand(CLI::App& app, int& exitCode);
void addWorkerCommand(CLI::App& app, int& exitCode);
void addClientCommand(CLI::App& app, int& exitCode);

// Exit codes shared by the subcommands.
constexpr int kExitOk = 0;
constexpr int kExitError = 1;        // bad input, with a message naming what and where
constexpr int kExitInterrupted = 130;  // Ctrl-C: a checkpoint was written first

}  // namespace twb
