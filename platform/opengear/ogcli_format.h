// ogcli's text form. `ogcli get` prints one block of bare `field=value` lines per entity, blocks
// separated by an empty line; strings are double-quoted (\" and \\ escaped, newlines kept or
// written \n), booleans, numbers and lists bare, nested fields dotted (`csr.private_key`).
// ogcli reads the same `field="value"` lines on stdin.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace rotagent::platform::opengear {

using OgcliRecord = std::map<std::string, std::string>;  // field -> value, unquoted

// A value as ogcli reads it on stdin: quoted, with \" \\ and newlines escaped.
std::string OgcliQuote(const std::string& value);
// Every block of `text`, in order. A block also ends where a field repeats, so output that
// separates entities without an empty line parses the same. Lines that are not `field=value`
// are skipped.
std::vector<OgcliRecord> ParseOgcliRecords(const std::string& text);
// All fields of `text` as one record (stdin, or a single entity); a later field wins.
OgcliRecord ParseOgcli(const std::string& text);
// Whether ogcli printed a secret masked (`--secrets mask|obfuscate`, or a box that hides them)
// rather than the value itself: anything that is not a crypt(3) hash.
bool MaskedHash(const std::string& value);

}  // namespace rotagent::platform::opengear
