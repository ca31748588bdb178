#pragma once
// Go's text/tabwriter, as kubectl's printers use it: cells end at '\t' (the text after a line's
// last '\t' is not a cell), and a column is aligned over the run of consecutive lines that have
// a cell in it. Internal to the CLI.

#include <cstddef>
#include <string>
#include <string_view>

namespace troupe::cli {

/// tabwriter.NewWriter's settings, padding with spaces. The defaults are kubectl describe's.
struct tab_settings {
  size_t min_width = 0;  ///< a column is at least this wide, padding included
  size_t tab_width = 8;  ///< the width of a tab, when tab_indent pads with tabs
  size_t padding = 2;    ///< added to the widest cell of a column
  /// tabwriter.TabIndent: a line's leading empty cells are padded with tabs.
  bool tab_indent = false;
};

/// A cell's width as Go's tabwriter counts it: in runes (UTF-8 code points), not bytes.
size_t rune_width(const std::string& cell);
/// What Go's text/tabwriter writes for `text` with `settings` (widths counted in code points,
/// as Go counts runes).
std::string tabbed(std::string_view text, const tab_settings& settings = {});

/// kubectl's printers.GetNewTabWriter: minwidth 6, tabwidth 4, padding 3, TabIndent; what
/// `kubectl events` writes everything through.
inline constexpr tab_settings kubectl_tab_writer{6, 4, 3, true};

}  // namespace troupe::cli
