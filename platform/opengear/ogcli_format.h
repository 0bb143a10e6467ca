// ogcli's text form: one `path="value"` per line, values in double quotes with \" \\ and \n
// escaped, as ogcli prints and reads on stdin.
#pragma once

#include <map>
#include <string>

namespace rotagent::platform::opengear {

std::string OgcliQuote(const std::string& value);
// path -> value; lines that are not `path="value"` are skipped.
std::map<std::string, std::string> ParseOgcli(const std::string& text);

}  // namespace rotagent::platform::opengear
