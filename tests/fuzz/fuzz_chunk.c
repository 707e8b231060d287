/* Fuzzes the chunk frame (model/evidence.h): any input is refused
 * cleanly, or parses to a frame whose data runs exactly to the end and
 * whose header, written again, is the input's. */
#include <assert.h>

#include "model/evidence.h"
#include "util/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct px_ev_frame f;
	char head[PX_EV_FRAME_MAX_HEADER];
	size_t hl;

	if (px_ev_frame_parse(&f, data, size) < 0)
		return 0;
	assert(f.len <= PX_EV_CHUNK);
	assert(f.data >= data && f.data + f.len == data + size);
	hl = px_ev_frame_header(head, f.item, f.index, f.len, f.sha256);
	assert(hl == (size_t)(f.data - data));
	assert(memcmp(head, data, hl) == 0);
	return 0;
}
