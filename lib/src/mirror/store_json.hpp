#pragma once

// The JSON files of a mirror directory: encoding, decoding and validation. Private to the mirror
// layer; decoding never throws and rejects anything malformed with ErrorCode::invalid_input.

#include <string>
#include <string_view>

#include "kernels/error.hpp"
#include "kernels/mirror/store.hpp"

namespace kernels::mirror::detail {

[[nodiscard]] std::string encode_mirror_marker(int format);
// The format mirror.json says, when this build reads it.
[[nodiscard]] Result<int> check_mirror_marker(std::string_view text);

[[nodiscard]] std::string encode_repo(const RepoSettings& settings);
[[nodiscard]] Result<RepoSettings> decode_repo(std::string_view text);

[[nodiscard]] std::string encode_org(const OrgSettings& settings);
[[nodiscard]] Result<OrgSettings> decode_org(std::string_view text);

[[nodiscard]] std::string encode_refs(const MirrorRefs& refs);
[[nodiscard]] Result<MirrorRefs> decode_refs(std::string_view text);

// Checks everything a commit promises: parents and digests in hex, a Hub date, a UTF-8 message,
// valid paths sorted by bytes without duplicates, and no path that is both a file and a folder.
[[nodiscard]] Result<void> validate_commit(const MirrorCommit& commit);
// The bytes the commit id is the SHA-1 of (the commit must be valid and not pulled).
[[nodiscard]] std::string canonical_commit_json(const MirrorCommit& commit);
// The commit file: the same fields, indented for people who read the mirror.
[[nodiscard]] std::string encode_commit(const MirrorCommit& commit);
// Decodes and validates a commit file; `id` is left empty.
[[nodiscard]] Result<MirrorCommit> decode_commit(std::string_view text);

[[nodiscard]] bool is_commit_id(std::string_view text);
[[nodiscard]] bool is_sha256_hex(std::string_view text);

}  // namespace kernels::mirror::detail
