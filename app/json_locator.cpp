#include "app/json_locator.h"

#include <QStringList>
#include <vector>

namespace twb::app {

namespace {
// One open object or array while scanning: the key being read in an object, the element's index
// in an array.
struct Frame {
  bool object = true;
  QString key;
  int index = 0;
};

// The path of the innermost key, as problems name it: keys joined by '.', array elements "[i]".
QString pathOf(const std::vector<Frame>& frames) {
  QString path;
  for (const Frame& frame : frames) {
    if (!frame.object) {
      path += '[' + QString::number(frame.index) + ']';
    } else if (!frame.key.isNull()) {
      if (!path.isEmpty()) path += '.';
      path += frame.key;
    }
  }
  return path;
}

// The end of the string whose opening quote is at `start` (the offset after its closing quote).
int skipString(const QString& text, int start) {
  int i = start + 1;
  while (i < text.size() && text[i] != '"') i += text[i] == '\\' ? 2 : 1;
  return std::min<int>(i + 1, text.size());
}
}  // namespace

int jsonFieldOffset(const QString& text, const QString& path) {
  std::vector<Frame> frames;
  int best = -1;
  bool elementNext = false;  // in an array, after '[' or ','
  for (int i = 0; i < text.size();) {
    const QChar c = text[i];
    if (elementNext && !c.isSpace() && c != ']') {  // an element's value starts here
      elementNext = false;
      const QString here = pathOf(frames);
      if (here == path) return i;
      if (path.startsWith(here + '.') || path.startsWith(here + '[')) best = i;
    }
    if (c == '"') {
      const int end = skipString(text, i);
      int next = end;
      while (next < text.size() && text[next].isSpace()) ++next;
      if (!frames.empty() && frames.back().object && next < text.size() && text[next] == ':') {
        frames.back().key = text.mid(i + 1, end - i - 2);
        const QString here = pathOf(frames);
        if (here == path) return i;
        if (path.startsWith(here + '.') || path.startsWith(here + '[')) best = i;
      }
      i = end;
      continue;
    }
    if (c == '{' || c == '[') {
      frames.push_back({c == '{', {}, 0});
      elementNext = c == '[';
    } else if ((c == '}' || c == ']') && !frames.empty()) {
      frames.pop_back();
    } else if (c == ',' && !frames.empty() && !frames.back().object) {
      ++frames.back().index;
      elementNext = true;
    }
    ++i;
  }
  return best;
}

}  // namespace twb::app
