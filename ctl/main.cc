// rotctl: the controller for labs and small fleets. Parses the command line and dispatches; each
// command lives in ctl/cmd_*.cc.

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ctl/cli.h"

namespace {

using rotagent::ctl::Inventory;
using rotagent::ctl::Options;
namespace ctl = rotagent::ctl;

struct Command {
  std::vector<std::string> words;
  size_t names;  // positional operands after the words (a device name, an operation id)
  const char* operands;
  const char* summary;
  const char* help;
  int (*run)(const Inventory&, const Options&);
  // Set for the rotations and resyncs, which all run as fabric operations.
  std::optional<ctl::OperationKind> operation = std::nullopt;
};

// clang-format off
const Command kCommands[] = {
    {{"ca", "init"}, 0, "[--name CN] [--days N]",
     "create the lab CA that signs device CSRs",
     "file signer: an EC P-256 CA key (0600) and self-signed certificate in the inventory's\n"
     "ca_dir. pkcs11 signer: the key pair is generated in the token (never extractable) and the\n"
     "certificate written to ca_dir. An existing CA is never overwritten (docs/pki.md).\n"
     "  --name CN   the CA's common name (default: \"<fabric> lab CA\")\n"
     "  --days N    its lifetime in days (default 3650)\n",
     ctl::CaCommand},
    {{"ca", "show"}, 0, "", "the signer and its CA's subject, fingerprint and expiry", "", ctl::CaCommand},
    {{"ca", "rotate", "start"}, 0, "[--name CN] [--days N] [--strict]",
     "CA rotation phase 1: a new CA, added to every trust bundle",
     "Makes the new CA with the signer (file: a key and certificate in ca_dir/next; pkcs11: a new\n"
     "key in the token; the command signer is refused), re-issues rotctl's client identity from\n"
     "it, and adds it next to the old CA in every enabled device's trust bundles; leaves stay.\n"
     "Runs in the foreground. Then `ca rotate advance` (phase 2: every leaf re-issued from the\n"
     "new CA; phase 3: the old CA removed and the new one promoted). docs/pki.md.\n",
     ctl::CaRotateCommand},
    {{"ca", "rotate", "advance"}, 0, "[--strict]",
     "the next phase of the open CA rotation",
     "Refused (exit 4, naming them) while any enabled device does not hold the current step,\n"
     "asked live; a device that does not answer blocks it.\n",
     ctl::CaRotateCommand},
    {{"ca", "rotate", "resume"}, 0, "",
     "the current CA rotation step again, on the devices that do not hold it", "",
     ctl::CaRotateCommand},
    {{"ca", "rotate", "rollback"}, 0, "",
     "undo the current phase of the open CA rotation",
     "Phase 3: the old CA back in every bundle. Phase 2: every leaf re-issued from the old CA.\n"
     "Phase 1: the new CA taken out of every bundle and set aside (ca_dir/abandoned/ID); the\n"
     "rotation is abandoned. A rollback must converge before the next one.\n",
     ctl::CaRotateCommand},
    {{"ca", "rotate", "status"}, 0, "",
     "the CA rotation's phase, steps, operations and the devices still pending", "",
     ctl::CaRotateCommand},
    {{"fabric", "show"}, 0, "",
     "rotation state per kind, in-sync, behind and failed devices, distinct password sets",
     "Asks every enabled device over gNMI, records what it holds in the ledger, and compares\n"
     "every device's versions (live, or the ledger's last known for devices that do not answer or\n"
     "are not enabled) with the fabric's. Shows, for certificates and passwords apart, the last\n"
     "operation and the devices it succeeded, failed or skipped (with every reason); which devices\n"
     "are in sync, out of sync, behind the fabric's version, unreachable or skipped;\n"
     "uniquePasswordSetCount over every device; the administrative lock, upgrade status, fabric\n"
     "lock and guardrails. Exit 3 when an enabled device is not in sync or does not answer.\n",
     ctl::FabricShow},
    {{"fabric", "rotate-certs"}, 0, "[--wait] [--strict]",
     "new leaf certificates on every enabled device",
     "For every enabled device and every certificate profile of its plan: the device generates a\n"
     "key and CSR, the inventory's signer signs it, rotctl checks the chain (the CSR's key, the\n"
     "names and usage asked for, the configured roots) and archives it, uploads it with the trust\n"
     "bundle, proves a new TLS connection is served the new certificate (server profiles),\n"
     "finalizes and reads the state back. A failure rolls that device back. Pre-flight first:\n"
     "devices that are not enabled, do not answer, whose agent is not enabled or lacks a profile\n"
     "of the plan are skipped and listed with every reason (--strict: the operation is refused).\n"
     "Transient errors are retried.\n",
     nullptr, ctl::OperationKind::kRotateCertificates},
    {{"fabric", "rotate-passwords"}, 0, "[--wait] [--strict]",
     "new passwords for every password profile, each device getting those of its plan",
     "Generates a new password per profile into the sealed, versioned secret store, sends\n"
     "its sha512-crypt hash to every enabled device whose plan has the profile, finalizes once\n"
     "the agent proved it against the installed entry, and reads the version back. Pre-flight and\n"
     "retries as for rotate-certs. Refused while the fabric, counting every device with its last\n"
     "known versions, already holds max_password_versions distinct password sets: resync first.\n",
     nullptr, ctl::OperationKind::kRotatePasswords},
    {{"fabric", "resync-certs"}, 0, "[--wait] [--strict]",
     "reissue the current certificate version to devices not in sync",
     "The devices generate new keys, so the new certificates get a new label of the fabric's\n"
     "version: v<N>-r<M>, the M-th resync of v<N>.\n",
     nullptr,
     ctl::OperationKind::kResyncCertificates},
    {{"fabric", "resync-passwords"}, 0, "[--wait] [--strict]",
     "push the current passwords again to devices not in sync",
     "Never generates a secret: the current versions are read from the secret store.\n", nullptr,
     ctl::OperationKind::kResyncPasswords},
    {{"device", "show"}, 1, "NAME",
     "a device's certificate and secret rotation status",
     "The device's credentials as its agent reports them over gNMI, in the fabric API's shape:\n"
     "type, version (archive reference), lastRotationTime, expireTime, synchronizationStatus\n"
     "(the agent's own view), and per credential of its plan whether it is Current or Behind the\n"
     "fabric's version. A device that does not answer is shown as the ledger last knew it.\n",
     ctl::DeviceShow},
    {{"device", "resync-certs"}, 1, "NAME [--wait] [--strict]",
     "reissue the current certificate version to one device", "", nullptr,
     ctl::OperationKind::kResyncCertificates},
    {{"device", "resync-passwords"}, 1, "NAME [--wait] [--strict]",
     "push the current passwords to one device", "", nullptr,
     ctl::OperationKind::kResyncPasswords},
    {{"operation", "show"}, 1, "ID [--wait]",
     "an operation's status, times and per-device outcomes",
     "Status is Accepted, InProgress, Succeeded, PartialSuccess or Failed. --wait blocks until\n"
     "the operation is done and its runner has released the fabric lock, and exits with its\n"
     "result.\n",
     ctl::OperationShow},
    {{"validate"}, 1,
     "NAME [--account A] [--ssh-address H:P] [--profile P] [--report FILE] [--platform-checks K]",
     "run the rotation contract against one device (lab kit)",
     "Checks, each pass / fail / skip: reach (gNMI over mTLS), certificate-rotation (CSR on the\n"
     "device, signed by the lab CA, proven on a new connection, finalized, read back),\n"
     "certificate-rollback-on-drop, version-already-exists, password-rotation (a new password in\n"
     "the secret store, sent as a hash, then an SSH login with it), password-rollback-on-drop\n"
     "(the dropped password fails, the previous one works) and state-reporting (gNMI reports\n"
     "the committed versions, InSync or OutOfSync naming the dropped attempt). It changes the\n"
     "device's credentials: lab devices only. Exit 1 if any check fails.\n"
     "  --account A      the local account whose password is rotated (default: skip those checks)\n"
     "  --ssh-address    where logins are tried (default: the device's host, port 22)\n"
     "  --profile P      the certz server profile (default: the inventory's first)\n"
     "  --report FILE    the JSON report (default: <state_dir>/validate-NAME-<time>.json)\n"
     "  --platform-checks eos[:SOCKET] | opengear[:OGCLI]\n"
     "                   run on the lab box itself: which form EOS uses for the session waiting\n"
     "                   on a commit timer, that a second timer is refused, that the profile's\n"
     "                   validity JSON reads valid; ogcli's users and services/https forms\n"
     "                   (docs/platforms.md)\n",
     ctl::ValidateCommand},
    {{"secrets", "list"}, 0, "", "the secret store's password versions, by profile", "",
     ctl::SecretsCommand},
    {{"secrets", "show"}, 1, "PROFILE [--version N] [--to FILE]",
     "reveal one stored password (terminal or a new 0600 file only)",
     "Decrypts one version (default: the current) and writes it to the terminal, or with --to\n"
     "to a new file created 0600 (never an existing one). Refused when standard output is not\n"
     "a terminal. Every reveal is recorded, without the value, in <state_dir>/secrets/reveals.log.\n",
     ctl::SecretsCommand},
    {{"secrets", "init-kek"}, 0, "",
     "create the secret store's key-encryption key and seal every version under it",
     "secrets.kek file: a 32-byte key in secrets.kek_file (0600) unless it exists. pkcs11: an\n"
     "AES-256 key labelled secrets.key_label in the token (sensitive, never extractable) unless\n"
     "the token holds one; it is never replaced. Then every stored version not yet sealed under\n"
     "it (written before sealing, or under the file KEK) is sealed under it; afterwards the file\n"
     "KEK is no longer needed (docs/pki.md).\n",
     ctl::SecretsCommand},
    {{"secrets", "purge"}, 0, "[--dry-run]",
     "purge password versions no device may still hold",
     "Asks every device (whatever its admin state) which version it holds. Keeps every version\n"
     "from the oldest one held, plus secrets.keep_older below it; overwrites and unlinks the\n"
     "rest, recording each in <state_dir>/secrets/purges.log. Refused when a device rotctl has\n"
     "reached before cannot be asked.\n",
     ctl::SecretsCommand},
    {{"archive", "list"}, 0, "[--device NAME]", "every certificate rotctl issued",
     "Device, profile, version, serial, expiry and the operation that issued it.\n",
     ctl::ArchiveCommand},
    {{"archive", "show"}, 3, "DEVICE PROFILE VERSION",
     "an issued certificate: its record and chain (PEM)", "", ctl::ArchiveCommand},
    {{"expiry"}, 0, "[--within 30d] [--take N]",
     "certificates expiring within a window, earliest first",
     "  --within D  30d (default), 12h, 90m, or a number of days\n"
     "  --take N    only the first N\n",
     ctl::ExpiryReport},
    {{"renew"}, 0,
     "[--dry-run] [--strict] [--threshold 1/3] [--jitter 15m] [--at TIME] [--textfile FILE]",
     "renew certificates with little of their lifetime left",
     "Reissues every leaf certificate of an enabled device with less than --threshold of its\n"
     "lifetime left (from its last rotation to its expiry), each device after its own delay\n"
     "within the --jitter window, as one RenewCertificates operation within the guardrails: a\n"
     "certificate resync of those devices (new key, new label of the fabric's version).\n"
     "  --dry-run       print what would be renewed and change nothing\n"
     "  --strict        refuse the whole run when any device fails pre-flight\n"
     "  --threshold F   fraction of the lifetime, 1/3 (default) or e.g. 0.25\n"
     "  --jitter D      the window devices are spread over: 15m (default), 90s, 1h, 0\n"
     "  --at TIME       renew now what will be below the threshold at TIME (RFC 3339, UTC),\n"
     "                  e.g. before a change freeze (default: now)\n"
     "  --textfile F    then write the fabric's metrics there (Prometheus text format)\n",
     ctl::RenewCommand},
};
// clang-format on

constexpr const char* kGlobal = R"(
options:
  --inventory FILE     the fabric inventory (default: ./inventory.yaml)
  --output FORMAT      table (default), json, or prometheus (fabric show, expiry)
  --concurrency N      devices worked on at once (default 16)
  --wait               rotations and resyncs: run in the foreground with progress and exit with
                       the result (default: start in the background and print the operation id)
  --strict             rotations and resyncs: refuse the whole operation when any device fails
                       pre-flight (default: skip those devices, with their reasons; see also
                       strict_preflight in the inventory)

exit codes: 0 success (or operation accepted), 1 failure, 2 bad usage, inventory or name,
            3 partial success (or some device not in sync / unreachable),
            4 refused by a guardrail (fabric locked, upgrading, busy, or too many password sets)
)";

std::string Words(const Command& c) {
  std::string out;
  for (const auto& w : c.words) out += (out.empty() ? "" : " ") + w;
  return out;
}

void PrintHelp(std::ostream& out) {
  out << "rotctl: rotate and inspect credentials across a fabric of rotagentd agents\n\n"
         "usage: rotctl [options] COMMAND ...\n\ncommands:\n";
  for (const auto& c : kCommands) {
    std::string head = Words(c) + (*c.operands != '\0' ? " " + std::string(c.operands) : "");
    head.resize(std::max<size_t>(head.size() + 2, 40), ' ');
    out << "  " << head << c.summary << "\n";
  }
  out << "  help                                this text; COMMAND --help for one command\n"
      << kGlobal;
}

int Usage(const std::string& why) {
  std::cerr << "rotctl: " << why << "\n\n";
  PrintHelp(std::cerr);
  return ctl::kExitUsage;
}

const Command* Match(const std::vector<std::string>& args) {
  for (const auto& c : kCommands) {
    if (args.size() >= c.words.size() && std::equal(c.words.begin(), c.words.end(), args.begin())) {
      return &c;
    }
  }
  return nullptr;
}

int Number(const char* text, int min, int max, const std::string& option, int* out) {
  char* end = nullptr;
  const long v = std::strtol(text, &end, 10);  // NOLINT(google-runtime-int): strtol's type
  if (*text == '\0' || *end != '\0' || v < min || v > max) {
    Usage(option + " must be a number from " + std::to_string(min) + " to " + std::to_string(max));
    return -1;
  }
  *out = static_cast<int>(v);
  return 0;
}

// Options that take a string, by name.
std::map<std::string, std::string*> TextOptions(Options& o) {
  return {{"--inventory", &o.inventory},
          {"--output", &o.output},
          {"--within", &o.within},
          {"--name", &o.name},
          {"--account", &o.account},
          {"--ssh-address", &o.ssh_address},
          {"--profile", &o.profile},
          {"--report", &o.report},
          {"--platform-checks", &o.platform_checks},
          {"--to", &o.to},
          {"--device", &o.device},
          {"--threshold", &o.threshold},
          {"--jitter", &o.jitter},
          {"--textfile", &o.textfile},
          {"--at", &o.at}};
}

int Run(int argc, char** argv) {
  Options o;
  const auto text_options = TextOptions(o);
  bool help = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--help" || a == "-h") {
      help = true;
    } else if (a == "--wait") {
      o.wait = true;
    } else if (a == "--strict") {
      o.strict = true;
    } else if (a == "--dry-run") {
      o.dry_run = true;
    } else if (const auto text = text_options.find(a); text != text_options.end()) {
      if (!has_value) return Usage(a + " needs a value");
      *text->second = argv[++i];
    } else if (a == "--concurrency" || a == "--take" || a == "--days" || a == "--lock-fd" ||
               a == "--version") {
      if (!has_value) return Usage(a + " needs a value");
      int* target = a == "--concurrency" ? &o.concurrency
                    : a == "--take"      ? &o.take
                    : a == "--days"      ? &o.days
                    : a == "--version"   ? &o.version
                                         : &o.lock_fd;
      const int max = a == "--days" ? 36500 : a == "--version" ? 1000000000 : 1024;
      if (Number(argv[++i], a == "--lock-fd" ? 0 : 1, max, a, target) != 0) {
        return ctl::kExitUsage;
      }
    } else if (a.rfind("--", 0) == 0) {
      return Usage("unknown option " + a);
    } else {
      o.args.push_back(a);
    }
  }
  if (o.args.empty() || o.args[0] == "help") {
    PrintHelp(std::cout);
    return o.args.empty() && !help ? ctl::kExitUsage : ctl::kExitOk;
  }
  const bool internal = o.args[0] == "__run" && o.args.size() == 2;
  const Command* cmd = Match(o.args);
  if (cmd == nullptr && !internal) {
    return Usage("unknown command '" + o.args[0] + (o.args.size() > 1 ? " " + o.args[1] : "") +
                 "'");
  }
  if (help) {
    std::cout << "usage: rotctl [options] " << Words(*cmd) << " " << cmd->operands << "\n\n"
              << cmd->summary << ".\n"
              << (*cmd->help != '\0' ? "\n" : "") << cmd->help << kGlobal;
    return ctl::kExitOk;
  }
  const bool metrics = cmd != nullptr && (Words(*cmd) == "fabric show" || Words(*cmd) == "expiry");
  if (o.output != "table" && o.output != "json" && !(metrics && o.prometheus())) {
    return Usage(metrics ? "--output must be table, json or prometheus"
                         : "--output must be table or json");
  }
  if (o.args.size() != (internal ? 2 : cmd->words.size() + cmd->names)) {
    return Usage(internal ? "bad __run" : Words(*cmd) + " takes: " + cmd->operands);
  }
  auto inv = ctl::LoadInventory(o.inventory);
  if (!inv.ok()) return ctl::Fail(inv.status());
  if (internal) return ctl::RunInBackground(*inv, o);
  if (cmd->operation) {
    return ctl::StartOperation(*inv, o, *cmd->operation, o.args[0] == "device" ? o.args[2] : "");
  }
  return cmd->run(*inv, o);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Run(argc, argv);
  } catch (const std::exception& e) {
    std::fputs(("rotctl: " + std::string(e.what()) + "\n").c_str(), stderr);
    return ctl::kExitFailed;
  }
}
