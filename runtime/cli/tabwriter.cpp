// Go's text/tabwriter, the subset kubectl's describe uses (no flags, padding with spaces).

#include <algorithm>
#include <vector>

#include "runtime/cli/describe.hpp"

namespace troupe::cli {
namespace {

using line = std::vector<std::string>;  // cells; the last one is not tab-terminated

class layout {
 public:
  explicit layout(std::vector<line> lines) : lines_(std::move(lines)) {}

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
      size_t width = 0;
      for (; at < line1 && column + 1 < lines_[at].size(); ++at)
        width = std::max(width, lines_[at][column].size() + padding);
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
      for (size_t j = 0; j < cells.size(); ++j) {
        out_ += cells[j];
        if (j < widths_.size() && j + 1 < cells.size())
          out_ += std::string(widths_[j] - std::min(widths_[j], cells[j].size()), ' ');
      }
      out_ += '\n';
    }
  }

  static constexpr size_t padding = 2;
  std::vector<line> lines_;
  std::vector<size_t> widths_;
  std::string out_;
};

}  // namespace

std::string tabbed(std::string_view text) {
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
  auto out = layout(std::move(lines)).run();
  if (!trailing_newline) out.pop_back();
  return out;
}

}  // namespace troupe::cli
