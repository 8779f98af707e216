#pragma once

// Literal exchanges of reference/hub-api.md section 2 (repo kernels-community/relu at commit S)
// and a builder for HttpResponse values, for the tests of the Hub layer's pure functions.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kernels/hub/http.hpp"

namespace kernels::testing {

inline constexpr std::string_view kHubEndpoint = "http://127.0.0.1:8080";
inline constexpr std::string_view kCommit = "d649efb56fb249ac8f7a57fa1866728ad0c60e52";
inline constexpr std::string_view kVariant = "torch28-cxx11-cu128-x86_64-linux";

// hub-api.md 2.1.
inline constexpr std::string_view kRefsJson = R"({"branches":[
  {"name":"main","ref":"refs/heads/main","targetCommit":"d649efb56fb249ac8f7a57fa1866728ad0c60e52"},
  {"name":"v1","ref":"refs/heads/v1","targetCommit":"d649efb56fb249ac8f7a57fa1866728ad0c60e52"}],
 "converts":[],
 "tags":[{"name":"v1.0","ref":"refs/tags/v1.0","targetCommit":"d649efb56fb249ac8f7a57fa1866728ad0c60e52"}]})";

// hub-api.md 2.4.
inline constexpr std::string_view kInfoJson =
    R"({"_id":"66b0c1d2e3f4a5b6c7d8e9f0","id":"kernels-community/relu","author":"kernels-community",
 "sha":"d649efb56fb249ac8f7a57fa1866728ad0c60e52","lastModified":"2026-08-01T12:00:00.000Z",
 "private":false,"gated":false,"disabled":false,"downloads":1234,"likes":5,"tags":[],
 "createdAt":"2025-01-10T09:00:00.000Z"})";

// hub-api.md 2.2: the recursive listing at S.
inline constexpr std::string_view kTreeJson = R"([
 {"type":"file","oid":"1c3d5b0d8d0ae4e3a0c3a2e8f4d1f4f2b1f9a6e0","size":1519,"path":".gitattributes"},
 {"type":"directory","oid":"5e8a0c1d2b3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b","size":0,"path":"build"},
 {"type":"directory","oid":"9f2c1e5b7a3d4c6e8f0a1b2c3d4e5f6a7b8c9d0e","size":0,"path":"build/torch28-cxx11-cu128-x86_64-linux"},
 {"type":"file","oid":"a85f0ba2729185d96e02bf4c89c39748e4e94b4c","size":43,"path":"build/torch28-cxx11-cu128-x86_64-linux/metadata.json"},
 {"type":"directory","oid":"0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b","size":0,"path":"build/torch28-cxx11-cu128-x86_64-linux/relu"},
 {"type":"file","oid":"1cec5723464b586acbda5ab039a6248d38255033","size":22,"path":"build/torch28-cxx11-cu128-x86_64-linux/relu/__init__.py"},
 {"type":"file","oid":"d9e8e41374d0b7c111e64619345f6353f3f75ad0","size":1024,
  "lfs":{"oid":"469cbca28cea28014adae80244e707fac8511307b6e10fb57eeeeaba552baea8","size":1024,"pointerSize":129},
  "xetHash":"7a1b7c2f7e1e4bb3b0d7c0a3d3c6a2c1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5",
  "path":"build/torch28-cxx11-cu128-x86_64-linux/relu/_relu_abc.abi3.so"}])";

// The lock hash of that variant (hub-api.md 2).
inline constexpr std::string_view kVariantHash =
    "sha256-34bccedba57f231b05a3e490db51937fe84ed0511a5d7b8e345baa74e42ca7de";

// hub-api.md 2.6.
inline constexpr std::string_view kOrgJson =
    R"({"name":"kernels-community","fullname":"Kernels Community","avatarUrl":"https://x",
 "isVerified":false,"numUsers":10,"numModels":0,"numSpaces":0,"numDatasets":0,
 "numFollowers":100,"trustedKernelPublisher":true})";

inline HttpResponse make_response(int status, std::string body = {},
                                  std::vector<std::pair<std::string, std::string>> headers = {},
                                  std::string url =
                                      "http://127.0.0.1:8080/api/kernels/"
                                      "kernels-community/relu/refs") {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  for (auto& [name, value] : headers)
    response.headers.add(std::move(name), std::move(value));
  response.url = std::move(url);
  response.attempts = 1;
  response.bytes_received = response.body.size();
  return response;
}

}  // namespace kernels::testing
