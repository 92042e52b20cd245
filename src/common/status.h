// The one error vocabulary of vigil: Error, Status and Result<T>.
//
// Policy (docs/ERRORS.md): expected failures (bad input, missing files, limits) are returned as
// Status / Result<T>; exceptions are used only inside adapters around third-party parsers and are
// caught there; programmer errors are asserts. Result<T> is shaped like std::expected so it can
// become an alias once the project moves to C++23.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace vigil {

// What kind of failure an Error is. Executables map these to exit codes (all to 2 for the CLI).
enum class ErrorCode {
  kInvalidArgument,  // the caller passed something unusable (a flag, an option)
  kNotFound,         // a file, blob or entry that should exist does not
  kCorrupt,          // input is malformed (bad JSON, truncated gzip, broken tar header)
  kUnsupported,      // well-formed input of a kind vigil does not handle
  kIntegrity,        // a digest did not match
  kLimitExceeded,    // a configured cap (size, entry count, depth) was hit
  kIo,               // the operating system refused a read or write
  kUnavailable,      // a remote source did not serve the request (connection, TLS, HTTP status);
                     // often transient: trying again later may succeed
  kInternal,         // a bug in vigil
};

// Returns a stable lower-case name for `code`, e.g. "corrupt".
std::string_view ErrorCodeName(ErrorCode code);

// A failure: a code, a message that says what was wrong, and where (outermost first once
// Context() has been applied, e.g. "layer 3 (sha256:ab12…): usr/lib/x: truncated gzip").
class Error {
 public:
  Error(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // Prefixes the message with `where` and ": ", so errors say where they happened.
  Error& Context(std::string_view where) {
    message_.insert(0, std::string(where) + ": ");
    return *this;
  }

  // "<code name>: <message>".
  std::string ToString() const;

 private:
  ErrorCode code_;
  std::string message_;
};

// Success, or an Error.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT: implicit by design

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  // Precondition: !ok().
  const Error& error() const {
    assert(!ok_);
    return error_;
  }
  Error& error() {
    assert(!ok_);
    return error_;
  }

 private:
  Error error_{ErrorCode::kInternal, ""};
  bool ok_ = true;
};

inline Status OkStatus() { return Status(); }

// A value of T, or an Error. Access to value() when !ok() is a programmer error.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}                // NOLINT: implicit
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}            // NOLINT: implicit
  Result(Status status) : v_(std::in_place_index<1>, std::move(status.error())) {  // NOLINT
    assert(!status.ok());
  }

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  bool has_value() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const {
    assert(!ok());
    return std::get<1>(v_);
  }
  Error& error() {
    assert(!ok());
    return std::get<1>(v_);
  }
  Status status() const { return ok() ? Status() : Status(error()); }

 private:
  std::variant<T, Error> v_;
};

// Shorthands for building errors.
inline Error InvalidArgument(std::string m) { return Error(ErrorCode::kInvalidArgument, std::move(m)); }
inline Error NotFound(std::string m) { return Error(ErrorCode::kNotFound, std::move(m)); }
inline Error Corrupt(std::string m) { return Error(ErrorCode::kCorrupt, std::move(m)); }
inline Error Unsupported(std::string m) { return Error(ErrorCode::kUnsupported, std::move(m)); }
inline Error IntegrityError(std::string m) { return Error(ErrorCode::kIntegrity, std::move(m)); }
inline Error LimitExceeded(std::string m) { return Error(ErrorCode::kLimitExceeded, std::move(m)); }
inline Error IoError(std::string m) { return Error(ErrorCode::kIo, std::move(m)); }
inline Error Unavailable(std::string m) { return Error(ErrorCode::kUnavailable, std::move(m)); }
inline Error InternalError(std::string m) { return Error(ErrorCode::kInternal, std::move(m)); }

}  // namespace vigil

// Evaluates `expr` (a Status); returns its error from the enclosing function if it failed.
#define VIGIL_RETURN_IF_ERROR(expr)                        \
  do {                                                     \
    ::vigil::Status vigil_status_ = (expr);                \
    if (!vigil_status_.ok()) return vigil_status_.error(); \
  } while (0)

#define VIGIL_CONCAT_INNER_(a, b) a##b
#define VIGIL_CONCAT_(a, b) VIGIL_CONCAT_INNER_(a, b)
// Evaluates `expr` (a Result<T>); on success moves the value into `lhs` (a declaration or an
// lvalue), otherwise returns the error from the enclosing function.
#define VIGIL_ASSIGN_OR_RETURN(lhs, expr) \
  VIGIL_ASSIGN_OR_RETURN_IMPL_(VIGIL_CONCAT_(vigil_result_, __LINE__), lhs, expr)
#define VIGIL_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return std::move(tmp.error());      \
  lhs = std::move(tmp).value()
