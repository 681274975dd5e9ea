"""/os-ha/evacuations: host evacuation tasks, their items, retry/cancel."""

from urllib import parse

from nova.api.openstack import wsgi
from nova.api import validation
from nova import exception as nova_exception
from nova import utils
import webob

import nova.conf

from nova_ha_ext.api.schemas import evacuations as schema
from nova_ha_ext.api import faults
from nova_ha_ext.api import views
from nova_ha_ext.conductor import rpcapi
from nova_ha_ext import exception
from nova_ha_ext.objects import fields
from nova_ha_ext.objects import host_evacuation
from nova_ha_ext.policies import evacuations as evacuation_policies
from nova_ha_ext import policy
from nova_ha_ext.recovery import actions
from nova_ha_ext.recovery import retry

CONF = nova.conf.CONF
_TASK = fields.HostEvacuationStatus
_ITEM = fields.InstanceEvacuationStatus


def _single(query, name):
    values = query.get(name)
    return values[-1] if values else None


def _limit(value):
    """The page size: ``limit`` if given, capped by ``[api] max_limit``."""
    if value is None:
        return CONF.api.max_limit
    # NOTE: the query schema lets any string of digits through (its
    # minimum is checked on float(), which turns 4,301 digits into inf),
    # but int() refuses more than sys.get_int_max_str_digits() digits.
    # Nova's own helper turns that into a 400, as Nova's routes answer.
    try:
        limit = utils.validate_integer(value, 'limit', min_value=0)
    except nova_exception.InvalidInput as error:
        raise webob.exc.HTTPBadRequest(explanation=(
            '%s. Send a whole number such as limit=100; a page holds at '
            'most %d evacuations ([api] max_limit).' % (
                error.format_message().rstrip('.'), CONF.api.max_limit)))
    return min(limit, CONF.api.max_limit)


@validation.validated
class EvacuationsController(wsgi.Controller):

    @property
    def conductor_api(self):
        # Made on use: the RPC transport exists once nova-api has started.
        return rpcapi.HAConductorAPI()

    @wsgi.expected_errors((400,))
    @validation.query_schema(schema.index_query)
    @validation.response_body_schema(schema.index_response)
    @faults.translate
    def index(self, req):
        """Host evacuations, newest first."""
        context = req.environ['nova.context']
        policy.authorize(context, evacuation_policies.EVACUATIONS_LIST)
        query = req.GET.dict_of_lists()
        limit = _limit(_single(query, 'limit'))
        tasks = host_evacuation.HostEvacuationList.get_all(
            context, host=_single(query, 'host'),
            status=_single(query, 'status'), limit=limit,
            marker=_single(query, 'marker'))
        body = {'evacuations': [views.evacuation(task) for task in tasks]}
        if limit and len(tasks) == limit:
            body['evacuations_links'] = [{
                'rel': 'next',
                'href': req.path_url + '?' + parse.urlencode(dict(
                    {k: v[-1] for k, v in query.items() if k != 'marker'},
                    marker=tasks[-1].uuid)),
            }]
        return body

    def _get(self, context, id):
        task = host_evacuation.HostEvacuation.get_by_uuid(context, id)
        task.instances  # noqa: B018 -- loads the items
        return task

    @wsgi.expected_errors((400, 404))
    @validation.query_schema(schema.show_query)
    @validation.response_body_schema(schema.show_response)
    @faults.translate
    def show(self, req, id):
        """One host evacuation with its instances."""
        context = req.environ['nova.context']
        policy.authorize(context, evacuation_policies.EVACUATIONS_SHOW)
        return {'evacuation': views.evacuation_detail(self._get(context, id))}

    @wsgi.response(202)
    @wsgi.expected_errors((400, 404, 409))
    @wsgi.action('retry')
    @validation.schema(schema.retry)
    @validation.response_body_schema(schema.action_response)
    @faults.translate
    def _retry(self, req, id, body):
        """Evacuate the failed instances again, within their host failure."""
        context = req.environ['nova.context']
        policy.authorize(context, evacuation_policies.EVACUATIONS_RETRY)
        task = self._get(context, id)
        self._start(context, retry.retry(context, task))
        return {'evacuation': views.evacuation_detail(self._get(context, id))}

    @wsgi.response(202)
    @wsgi.expected_errors((400, 404, 409))
    @wsgi.action('cancel')
    @validation.schema(schema.cancel)
    @validation.response_body_schema(schema.action_response)
    @faults.translate
    def _cancel(self, req, id, body):
        """Cancel the instances not yet started; the rest run to their end."""
        context = req.environ['nova.context']
        policy.authorize(context, evacuation_policies.EVACUATIONS_CANCEL)
        task = self._get(context, id)
        if task.is_finished:
            raise exception.HostEvacuationNotActive(
                uuid=id, status=task.status)
        task.cancel('cancelled by %s' % context.user_id)
        # NOTE: with nothing in flight the cancel itself closes the task,
        # so it ends (with its notification) even when no worker runs.
        actions.finish_if_idle(context, task)
        return {'evacuation': views.evacuation_detail(self._get(context, id))}

    def _start(self, context, task):
        self.conductor_api.start_evacuation(context, task)
