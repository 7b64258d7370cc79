#pragma once

#include <QString>

namespace twb::app {

// Where a field named by a problem's path ("optimizer.lr", "model.spec.nodes[3].attrs") is
// written in a JSON text, so that an editor can put the problem on its line. Returns the offset
// of the field's key (of an array element's value: "sweep.parameters.batch[2]"), or of the
// deepest enclosing key or element the text has when the field itself is missing; -1 when not
// even the first key is there. Reads text that does not parse as far as it
// can.
int jsonFieldOffset(const QString& text, const QString& path);

}  // namespace twb::app
