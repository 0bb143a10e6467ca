// Crash-safe file operations: a file is either absent, the old content, or the complete new
// content; never half written.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <string_view>

#include "common/status.h"

namespace rotagent {

// Writes `data` to a temporary file beside `path`, fsyncs it, renames it over `path` and fsyncs
// the directory. `mode` (and the owner, unless -1) is applied before any byte is written.
Status WriteFileAtomic(const std::filesystem::path& path, std::string_view data, mode_t mode,
                       uid_t uid = static_cast<uid_t>(-1), gid_t gid = static_cast<gid_t>(-1));

// The temporary WriteFileAtomic writes beside `path`: "<name>.rotagent-tmp.<pid>.<random>", a
// pattern only the agent uses, so stale ones can be told from anyone else's files.
std::filesystem::path AtomicTempPath(const std::filesystem::path& path);
// True if `name` is an AtomicTempPath() of a file named `base`.
bool IsAtomicTemp(const std::filesystem::path& name, const std::string& base);
// Renames a finished temporary over `path` and fsyncs the directory (the second half of
// WriteFileAtomic, for callers that act between the two).
Status RenameIntoPlace(const std::filesystem::path& tmp, const std::filesystem::path& path);
// The rename alone (the temporary is removed if it fails), for callers that flush later.
Status RenameIntoPlaceUnsynced(const std::filesystem::path& tmp, const std::filesystem::path& path);
// Removes the temporaries a crash left under `dir` (recursively, symlinks not followed); only for
// a tree the agent owns alone. Returns how many were removed.
Result<int> RemoveStaleTemps(const std::filesystem::path& dir);

// Creates `path`, which must not exist, with `mode` (and owner), writes `data` and fsyncs it; the
// directory entry is the caller's to make durable. For files inside a directory that is itself
// published with one rename, so its entries need a single directory fsync.
Status WriteNewFile(const std::filesystem::path& path, std::string_view data, mode_t mode,
                    uid_t uid = static_cast<uid_t>(-1), gid_t gid = static_cast<gid_t>(-1));

// Unsynced forms, for callers that write several files and then make them durable together with
// one SyncFilesystem (or whose durability a journal already covers); each is still atomic: the
// file or link is absent, old or complete, never partial.
Status WriteNewFileUnsynced(const std::filesystem::path& path, std::string_view data, mode_t mode);
// Writes `data` over the file at `path` in place (creating it if absent): its blocks are reused,
// so a write within their size frees and allocates none. Not atomic: only for a file nothing
// reads until a later rename publishes it. Refuses anything but a regular file of the agent's
// own with no other link, so it never writes through to another file.
Status OverwriteFileUnsynced(const std::filesystem::path& path, std::string_view data, mode_t mode);
// A temporary beside `path`, renamed over it; once `spare` is set, without allocating or freeing
// a file: the data is written over `spare` (a temporary beside `path` that the caller keeps
// between calls; empty at first), the replaced file is linked under a new temporary name that
// becomes the next spare, and the old spare is renamed over `path`. (On a filesystem mounted
// with `discard`, a freed block costs a synchronous discard inside the rename.) The last spare is
// a stale temporary to RemoveStaleTemps.
Status WriteFileRecycling(const std::filesystem::path& path, std::string_view data, mode_t mode,
                          std::filesystem::path& spare);
Status ReplaceSymlinkUnsynced(const std::filesystem::path& link,
                              const std::filesystem::path& target);
// syncfs(2) of the filesystem holding `path`: every write on it so far is durable.
Status SyncFilesystem(const std::filesystem::path& path);

// Creates `dir` (and missing parents) with exactly `mode`, fsyncing each parent that gained an
// entry. Existing directories are left as they are.
Status MakeDirs(const std::filesystem::path& dir, mode_t mode);

// Points symlink `link` at `target` with one rename, then fsyncs the directory.
Status ReplaceSymlink(const std::filesystem::path& link, const std::filesystem::path& target);

Status FsyncDir(const std::filesystem::path& dir);

// Reads a whole file; NotFound when it does not exist.
Result<std::string> ReadFile(const std::filesystem::path& path);

}  // namespace rotagent
