// Mapping the next view ahead (OpenOptions::map_next_view).
//
// The first data() of a zero-copy view maps its span with MADV_POPULATE_READ before returning, so
// the caller's loop takes no page faults. With 4 KiB page-cache folios that mapping costs about a
// tenth of reading the bytes once (20 ms of 180 for a 1 GB checkpoint here), all of it on the
// caller's thread. One background thread per process maps the view after the one just opened
// while the caller reads the current one; when the caller reaches it, data() finds it mapped and
// skips its own populate.
//
// The thread is started on first use and lives until the process exits (it holds no lock across
// a mapping, and each queued record keeps its file mapped until it is done). Records are mapped
// in the order they were queued; a record a caller reached first is skipped.
#pragma once

#include <memory>
#include <vector>

namespace tensorio::detail {

struct TensorRecord;

// Queues `records` (whose `ahead` the caller moved to kAheadQueued) for mapping, in order.
void queue_map_ahead(std::vector<std::shared_ptr<const TensorRecord>> records);

}  // namespace tensorio::detail
