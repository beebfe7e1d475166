// authing_mfa/version.hpp: `version`, the library's version at run time.
// Part of the C++ wrapper; include <authing_mfa.hpp> for all of it.

#ifndef AUTHING_MFA_VERSION_HPP
#define AUTHING_MFA_VERSION_HPP

#include "authing_mfa.h"

#include <string>

namespace authing_mfa {

/// The library's version at run time, e.g. "0.1.0". Compare with
/// `AUTHING_MFA_VERSION_STRING` (the header's) to detect a mismatched build.
inline std::string version() { return authing_mfa_version(); }

}  // namespace authing_mfa

#endif  // AUTHING_MFA_VERSION_HPP
