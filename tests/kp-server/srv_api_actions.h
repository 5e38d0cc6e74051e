/* SPDX-License-Identifier: MIT */
/* srv_api_actions.h - key actions of kp-server (wrap, unwrap, rewrap,
 * rotate, disable, enable, restore, ...) with the state matrix and timing
 * rules of spec 6. Run under the server lock. */
#ifndef SRV_API_ACTIONS_H
#define SRV_API_ACTIONS_H

#include "err.h"
#include "srv.h"

/* Run action on the key named by req->param[0]. legacy: the action came
 * from ?action= (an unknown one is 400, not 404). */
enum err srv_api_actions_run(struct srv_req *req, struct srv_reply *rep,
                             const char *action, bool legacy);

#endif
