// Errors as values at stage boundaries: an operation that can fail for the user's
// reasons (missing file, bad option, unreadable policy) returns result<T>. The message
// is one line for the user, naming the file (and line) where that helps; main turns it
// into exit status 2. No exception crosses a stage boundary.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace why502 {

struct user_error {
    std::string message;
};

template <class T>
class [[nodiscard]] result {
public:
    result(T value) : v_(std::move(value)) {}   // NOLINT(google-explicit-constructor)
    result(user_error e) : v_(std::move(e)) {}  // NOLINT(google-explicit-constructor)

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }
    T& value() & { return std::get<0>(v_); }
    const T& value() const& { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    T* operator->() { return &std::get<0>(v_); }
    const T* operator->() const { return &std::get<0>(v_); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T&& operator*() && { return std::move(*this).value(); }
    const user_error& error() const { return std::get<1>(v_); }

private:
    std::variant<T, user_error> v_;
};

struct ok_t {};
using status = result<ok_t>;
inline status ok() {
    return ok_t{};
}

}  // namespace why502
