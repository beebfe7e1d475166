// authing_mfa/json.hpp: the wrapper's own JSON text helpers, writing
// (`json_quote`, `Params`) and reading (`detail::JsonReader`).
//
// Parameters and results stay JSON text, and the wrapper deliberately
// depends on no JSON library (so it never fights the one you use): these
// are the few pieces it needs itself, to build parameter objects with
// correct escaping and to read the C API's error JSON and a boolean result.
// Part of the C++ wrapper; include <authing_mfa.hpp> for all of it.

#ifndef AUTHING_MFA_JSON_HPP
#define AUTHING_MFA_JSON_HPP

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace authing_mfa {

/// Quotes `s` as a JSON string literal (with the quotes). `s` must be UTF-8;
/// the library rejects invalid UTF-8 with `Status::InvalidUtf8`, so it is
/// passed through here rather than silently repaired.
inline std::string json_quote(std::string_view s) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(s.size() + 2);
    out.push_back('"');
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (c < 0x20) {
                out += "\\u00";
                out.push_back(hex[c >> 4]);
                out.push_back(hex[c & 0xF]);
            } else {
                out.push_back(ch);
            }
        }
    }
    out.push_back('"');
    return out;
}

namespace detail {

/// A minimal reader for the error JSON of the C API: it takes the few
/// top-level fields `Error` needs and the raw text of `data`. The input is
/// produced by the library (serde_json), but it is read defensively anyway:
/// every access is bounds-checked, nesting is skipped iteratively (no
/// recursion, so no stack exhaustion), and any surprise stops the read.
class JsonReader {
public:
    explicit JsonReader(std::string_view s) noexcept : s_(s) {}

    void ws() noexcept {
        while (i_ < s_.size() &&
               (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r'))
            ++i_;
    }
    bool eat(char c) noexcept {
        ws();
        if (i_ < s_.size() && s_[i_] == c) {
            ++i_;
            return true;
        }
        return false;
    }
    bool at(char c) noexcept {
        ws();
        return i_ < s_.size() && s_[i_] == c;
    }
    bool at_number() noexcept {
        ws();
        return i_ < s_.size() && (s_[i_] == '-' || (s_[i_] >= '0' && s_[i_] <= '9'));
    }
    bool done() noexcept {
        ws();
        return i_ == s_.size();
    }

    /// Reads a string literal, decoding escapes (including \uXXXX surrogate
    /// pairs) into UTF-8.
    bool string(std::string& out) {
        out.clear();
        if (!eat('"')) return false;
        while (i_ < s_.size()) {
            const char c = s_[i_++];
            if (c == '"') return true;
            if (static_cast<unsigned char>(c) < 0x20) return false;
            if (c != '\\') {
                out.push_back(c);
                continue;
            }
            if (i_ >= s_.size()) return false;
            const char e = s_[i_++];
            switch (e) {
            case '"': out.push_back('"'); break;
            case '\\': out.push_back('\\'); break;
            case '/': out.push_back('/'); break;
            case 'b': out.push_back('\b'); break;
            case 'f': out.push_back('\f'); break;
            case 'n': out.push_back('\n'); break;
            case 'r': out.push_back('\r'); break;
            case 't': out.push_back('\t'); break;
            case 'u': {
                std::uint32_t cp = 0;
                if (!hex4(cp)) return false;
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    std::uint32_t lo = 0;
                    if (i_ + 1 < s_.size() && s_[i_] == '\\' && s_[i_ + 1] == 'u') {
                        i_ += 2;
                        if (!hex4(lo) || lo < 0xDC00 || lo > 0xDFFF) return false;
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    } else {
                        return false;
                    }
                } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                    return false;
                }
                utf8(cp, out);
                break;
            }
            default: return false;
            }
        }
        return false;
    }

    /// Reads an integer that fits a long long. A number with a fraction or an
    /// exponent, or out of range, is skipped and reported as absent.
    bool integer(std::optional<long long>& out) {
        ws();
        const std::size_t start = i_;
        if (i_ < s_.size() && s_[i_] == '-') ++i_;
        const std::size_t digits = i_;
        while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
        if (i_ == digits) return false;
        bool integral = true;
        while (i_ < s_.size() && (s_[i_] == '.' || s_[i_] == 'e' || s_[i_] == 'E' ||
                                  s_[i_] == '+' || s_[i_] == '-' ||
                                  (s_[i_] >= '0' && s_[i_] <= '9'))) {
            integral = false;
            ++i_;
        }
        out.reset();
        if (!integral || i_ - digits > 18) return true;  // 18 digits always fit
        long long v = 0;
        for (std::size_t k = digits; k < i_; ++k) v = v * 10 + (s_[k] - '0');
        out = (s_[start] == '-') ? -v : v;
        return true;
    }

    /// Skips one value of any type, returning its raw text in `raw`.
    bool value(std::string_view& raw) {
        ws();
        const std::size_t start = i_;
        if (i_ >= s_.size()) return false;
        const char c = s_[i_];
        if (c == '"') {
            std::string ignored;
            if (!string(ignored)) return false;
        } else if (c == '{' || c == '[') {
            std::size_t depth = 0;
            while (i_ < s_.size()) {
                const char d = s_[i_];
                if (d == '"') {
                    std::string ignored;
                    if (!string(ignored)) return false;
                    continue;
                }
                ++i_;
                if (d == '{' || d == '[') {
                    ++depth;
                } else if (d == '}' || d == ']') {
                    if (--depth == 0) break;
                }
            }
            if (depth != 0) return false;
        } else {
            // true, false, null or a number: up to the next delimiter.
            while (i_ < s_.size() && s_[i_] != ',' && s_[i_] != '}' && s_[i_] != ']' &&
                   s_[i_] != ' ' && s_[i_] != '\t' && s_[i_] != '\n' && s_[i_] != '\r')
                ++i_;
            if (i_ == start) return false;
        }
        raw = s_.substr(start, i_ - start);
        return true;
    }

private:
    bool hex4(std::uint32_t& v) noexcept {
        if (s_.size() - i_ < 4) return false;
        v = 0;
        for (int k = 0; k < 4; ++k) {
            const char h = s_[i_++];
            v <<= 4;
            if (h >= '0' && h <= '9') v |= static_cast<std::uint32_t>(h - '0');
            else if (h >= 'a' && h <= 'f') v |= static_cast<std::uint32_t>(h - 'a' + 10);
            else if (h >= 'A' && h <= 'F') v |= static_cast<std::uint32_t>(h - 'A' + 10);
            else return false;
        }
        return true;
    }

    static void utf8(std::uint32_t cp, std::string& out) {
        if (cp < 0x80) {
            out.push_back(static_cast<char>(cp));
        } else if (cp < 0x800) {
            out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        } else if (cp < 0x10000) {
            out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        } else {
            out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        }
    }

    std::string_view s_;
    std::size_t i_ = 0;
};

}  // namespace detail

/// Builds a flat JSON object of string (or boolean) parameters, escaping the
/// values: `Params().set("totp", code).set("mfaToken", token)`. Converts to
/// `std::string`, so it can be passed wherever parameters are expected.
class Params {
public:
    Params& set(std::string_view key, std::string_view value) {
        return raw(key, json_quote(value));
    }
    /// A null pointer becomes JSON `null` rather than undefined behaviour.
    Params& set(std::string_view key, const char* value) {
        return value ? set(key, std::string_view(value)) : raw(key, "null");
    }
    Params& set(std::string_view key, bool value) { return raw(key, value ? "true" : "false"); }
    /// Adds an already-encoded JSON value (a number, an object…) as is.
    Params& raw(std::string_view key, std::string_view json_value) {
        body_ += body_.empty() ? "" : ",";
        body_ += json_quote(key);
        body_ += ':';
        body_ += json_value;
        return *this;
    }
    std::string str() const { return "{" + body_ + "}"; }
    operator std::string() const { return str(); }

private:
    std::string body_;
};

}  // namespace authing_mfa

#endif  // AUTHING_MFA_JSON_HPP
