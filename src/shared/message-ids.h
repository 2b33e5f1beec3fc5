/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Stable MESSAGE_ID= values of the journal entries operators filter on, e.g.
 * "journalctl MESSAGE_ID=a077f611f99e4204b90a0f254f483a16". Never change one; add new ones. */

#define MESSAGE_ID_PROFILE_APPLIED      "a077f611f99e4204b90a0f254f483a16"
#define MESSAGE_ID_PROFILE_APPLY_FAILED "74790339dc814f118bd72472ed8fb6d9"
#define MESSAGE_ID_CONFIG_ERROR         "f41434c0673f4a5b898818726eaf0c2d"
#define MESSAGE_ID_CONFIG_LOADED        "2f7e188466d54d9a9b94e77129de5a5d"
#define MESSAGE_ID_UNIT_ADOPTED         "837de19825074e7d84c2875996b0378c"
/* Retired: every memory action had this one until each kind got its own below. Old journal
 * entries still carry it. */
#define MESSAGE_ID_MEMORY_ACTION        "5c8e3db3390e46829501c4f08b6c5698"
#define MESSAGE_ID_MEMORY_THROTTLED     "271b1a5b45614a64a53b37d4f78576ac"
#define MESSAGE_ID_MEMORY_RELAXED       "92f6ebc962b64a74bc4f4360bcf98c5d"
#define MESSAGE_ID_UNIT_FROZEN          "abe16c0aebee407493ec91e542b3452f"
#define MESSAGE_ID_UNIT_THAWED          "11cf1b0eff1542b5b254d7e3b8a8048b"
#define MESSAGE_ID_UNIT_KILLED          "4901effcb0a142169b7799df285603d8"
#define MESSAGE_ID_UNIT_OOM_KILLED      "ae0c5136f8cf480283be435e6fcac53e"
/* Monitor mode: an action the daemon decided on and did not carry out ("would freeze"). */
#define MESSAGE_ID_WOULD_ACT            "eb63bc5e3a5f4995a93f5fde50ce9589"
#define MESSAGE_ID_MEMORY_LEFTOVER      "bef6ef34148446708275b97a95a8d54e"
#define MESSAGE_ID_MEMORY_APPLIED       "fa7c081282ba42e69b8e9bd9181c9de7"
#define MESSAGE_ID_SCHEDULER_ATTACHED   "38a7389855d840c0bbf07736509456fa"
#define MESSAGE_ID_SCHEDULER_EJECTED    "e67ba8d7797d4339b9cf65ce6d67d83c"
