// Go's text/tabwriter, the part kubectl uses (padding with spaces, TabIndent).

#include "runtime/cli/tabwriter.hpp"

#include <algorithm>
#include <vector>

namespace troupe::cli {
namespace {

using line = std::vector<std::string>;  // cells; the last one is not tab-terminated

class layout {
 public:
  layout(std::vector<line> lines, const tab_settings& settings) : lines_(std::move(lines)), settings_(settings) {}

  std::string run() {
    format(0, lines_.size());
    return out_;
  }

 private:
  // As tabwriter.format: a column block is the run of lines with a terminated cell at the
  // current column; it is as wide as its widest cell plus the padding, and the next column is
  // laid out within it.
  void format(size_t line0, size_t line1) {
    size_t column = widths_.size();
    for (size_t at = line0; at < line1; ++at) {
      if (column + 1 >= lines_[at].size()) continue;
      write_lines(line0, at);
      line0 = at;
      size_t width = settings_.min_width;
      for (; at < line1 && column + 1 < lines_[at].size(); ++at)
        width = std::max(width, rune_width(lines_[at][column]) + settings_.padding);
      widths_.push_back(width);
      format(line0, at);
      widths_.pop_back();
      line0 = at;
      --at;  // the loop's ++ steps to the line after the block
    }
    write_lines(line0, line1);
  }

  void write_lines(size_t line0, size_t line1) {
    for (size_t i = line0; i < line1; ++i) {
      auto& cells = lines_[i];
      bool leading = settings_.tab_indent;  // still in the line's leading empty cells
      for (size_t j = 0; j < cells.size(); ++j) {
        if (!cells[j].empty()) leading = false;
        out_ += cells[j];
        if (j < widths_.size() && j + 1 < cells.size()) pad(rune_width(cells[j]), widths_[j], leading);
      }
      out_ += '\n';
    }
  }

  // As tabwriter.writePadding: with tabs, the cell is widened to a multiple of the tab width.
  void pad(size_t text_width, size_t cell_width, bool with_tabs) {
    if (!with_tabs) {
      out_ += std::string(cell_width - std::min(cell_width, text_width), ' ');
      return;
    }
    size_t tab = settings_.tab_width;
    if (tab == 0) return;
    cell_width = (cell_width + tab - 1) / tab * tab;
    out_ += std::string((cell_width - text_width + tab - 1) / tab, '\t');
  }

  std::vector<line> lines_;
  tab_settings settings_;
  std::vector<size_t> widths_;
  std::string out_;
};

}  // namespace

size_t rune_width(const std::string& cell) {
  return static_cast<size_t>(std::count_if(cell.begin(), cell.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

std::string tabbed(std::string_view text, const tab_settings& settings) {
  std::vector<line> lines;
  bool trailing_newline = !text.empty() && text.back() == '\n';
  if (trailing_newline) text.remove_suffix(1);
  if (text.empty() && !trailing_newline) return "";
  size_t start = 0;
  while (true) {
    auto end = text.find('\n', start);
    auto row =
        text.substr(start, end == std::string_view::npos ? text.size() - start : end - start);
    line cells;
    size_t cell_start = 0;
    for (size_t tab; (tab = row.find('\t', cell_start)) != std::string_view::npos;
         cell_start = tab + 1)
      cells.emplace_back(row.substr(cell_start, tab - cell_start));
    cells.emplace_back(row.substr(cell_start));
    lines.push_back(std::move(cells));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  auto out = layout(std::move(lines), settings).run();
  if (!trailing_newline) out.pop_back();
  return out;
}

}  // namespace troupe::cli
