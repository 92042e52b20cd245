// The per-type code of the sensor's events (payloads.cc): each kernel record's payload decoded
// into an Event, and the members of each type's JSON object. The declarations come from the
// event type table (runtime/event_types.h), so a row whose functions are missing fails to link,
// naming them. The generic code around them (the header, the dispatch, the process and
// container members) is in event.cc.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime/bpf/events.h"
#include "runtime/event.h"
#include "runtime/internal/json_line.h"

namespace vigil::runtime::payload {

// Fills the members of `e` that record `r` carries beyond its header (DecodeEvent has read the
// header, checked the size and set e.type). One overload per record of the table's record
// column; never fails (every byte pattern of a record is a valid payload).
#define VIGIL_EVENT_TYPE_DECODE(name, NAME, Name, value, record, ...) void Decode(const vigil_##record& r, Event& e);
VIGIL_EVENT_TYPES(VIGIL_EVENT_TYPE_DECODE)
#undef VIGIL_EVENT_TYPE_DECODE

// Writes the members of the object named after the event's type ("exec":{...}), between the
// caller's Open and Close. One per row: Write<Name> (WriteExec, WriteTcpConnect, ...).
#define VIGIL_EVENT_TYPE_WRITE(name, NAME, Name, ...) void Write##Name(JsonLine& j, const Event& e, const Verdicts& v);
VIGIL_EVENT_TYPES(VIGIL_EVENT_TYPE_WRITE)
#undef VIGIL_EVENT_TYPE_WRITE

// The members for an Event whose type is no row of the table (not from DecodeEvent): the system
// call and the result.
void WriteUnknownType(JsonLine& j, const Event& e);

// The system call of an event from a system call record ("unlinkat"), "unknown" for a number the
// table (syscalls.h) does not watch.
std::string_view SyscallName(const Event& e);

// What the system call types' arguments mean, for their JSON objects and the fields (fields.cc),
// read through the system call's table entry (FindSyscall):
// whether an unlink removed a directory (rmdir, unlinkat with AT_REMOVEDIR);
bool UnlinkIsDirectory(const Event& e);
// whether a chmod or chown names its file by descriptor (args[0]) rather than by path;
bool ByDescriptor(const Event& e);
// the mode a chmod sets (the permission bits, 07777; 0 for a system call the table does not know);
uint64_t ChmodMode(const Event& e);
// the uid and gid a chown sets (-1: unchanged);
std::pair<int32_t, int32_t> ChownIds(const Event& e);
// the CLONE_NEW* flags of an unshare or setns, and their names ("mnt", "pid", ...).
uint64_t NamespaceFlags(const Event& e);
std::vector<std::string> NamespaceNames(uint64_t flags);

// ptrace(2) requests by name ("seize", "poketext"); "other" for the rest.
std::string_view PtraceRequestName(uint64_t request);

// bpf(2) commands by name ("prog_load"); "other" for the rest.
std::string_view BpfCommandName(uint64_t command);

}  // namespace vigil::runtime::payload
