/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Stable MESSAGE_ID= values of the journal entries operators filter on, e.g.
 * "journalctl MESSAGE_ID=a077f611f99e4204b90a0f254f483a16". Never change one; add new ones. */

#define MESSAGE_ID_PROFILE_APPLIED      "a077f611f99e4204b90a0f254f483a16"
#define MESSAGE_ID_PROFILE_APPLY_FAILED "74790339dc814f118bd72472ed8fb6d9"
#define MESSAGE_ID_CONFIG_ERROR         "f41434c0673f4a5b898818726eaf0c2d"
#define MESSAGE_ID_CONFIG_LOADED        "2f7e188466d54d9a9b94e77129de5a5d"
#define MESSAGE_ID_UNIT_ADOPTED         "837de19825074e7d84c2875996b0378c"
#define MESSAGE_ID_MEMORY_ACTION        "5c8e3db3390e46829501c4f08b6c5698"
#define MESSAGE_ID_MEMORY_LEFTOVER      "bef6ef34148446708275b97a95a8d54e"
#define MESSAGE_ID_MEMORY_APPLIED       "fa7c081282ba42e69b8e9bd9181c9de7"
