#pragma once

class QWidget;

namespace twb::app {
class NodeManager;
}

namespace twb::ui {

// Answers what connecting to nodes asks — an unknown host key, a key's passphrase, a password,
// a one-time code — with dialogs over `parent`, for as long as `parent` lives. The main window
// does it for the workbench's nodes, so a job dispatched from the Job tab can ask too.
void answerNodeQuestions(app::NodeManager& nodes, QWidget* parent);

}  // namespace twb::ui
