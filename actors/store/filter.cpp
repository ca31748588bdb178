#include "actors/store/filter.hpp"

namespace troupe {

watch_filter watch_filter::make(const kind_info& kind, const std::string& ns,
                                std::string_view label_selector, std::string_view field_selector) {
  watch_filter f;
  f.kind_ = &kind;
  f.prefix_ = list_prefix(kind.resource(), ns);
  f.labels_ = label_selector::parse(label_selector);
  f.fields_ = field_selector::parse(field_selector, kind);
  return f;
}

bool watch_filter::matches(object_reader& object) const {
  if (!labels_.matches(object.meta().getLabels())) return false;
  return fields_.empty() || fields_.matches(object.as(kind_->schema));
}

std::optional<store::event_type> visible_as(const watch_filter& filter, store::event_type type,
                                            std::string_view object,
                                            std::optional<std::string_view> before) {
  using store::event_type;
  if (!filter.selects()) return type;
  object_reader now(object);
  if (filter.owned_only()) {
    auto relevant = [](object_reader& r) {
      return r.meta().getOwnerReferences().size() > 0 || r.meta().getDeletionTimestamp() != 0;
    };
    if (type == event_type::deleted || relevant(now)) return type;
    if (type != event_type::modified) return std::nullopt;
    if (!before) return type;  // it may have lost what made it relevant
    object_reader then(*before);
    return relevant(then) ? std::optional(type) : std::nullopt;
  }
  bool matches_now = filter.matches(now);
  switch (type) {
    case event_type::added:
      return matches_now ? std::optional(event_type::added) : std::nullopt;
    case event_type::deleted:
      return matches_now ? std::optional(event_type::deleted) : std::nullopt;
    case event_type::modified: {
      if (!before) return matches_now ? std::optional(event_type::modified) : std::nullopt;
      object_reader then(*before);
      bool matched_before = filter.matches(then);
      if (matched_before && matches_now) return event_type::modified;
      if (matches_now) return event_type::added;
      if (matched_before) return event_type::deleted;
      return std::nullopt;
    }
    default: return type;
  }
}

}  // namespace troupe
