"""Fields that only the methods owning a transition may write.

A model lists its guarded fields in ``_guarded_fields``: ``{field name: group xml id}``.
``create`` and ``write`` from an ordinary caller (RPC, a form, a wizard running as the
user) refuse those fields with an :class:`~odoo.exceptions.AccessError` naming the field
and the method or group that owns it. The owning methods check the caller's group, the
company and any separation of duties first, then write through ``sudo()``: superuser
mode is the only way past the guard, and no context key from RPC can switch it on.

On create, a guarded field may still be given with its default or an empty value (a new
draft invoice says ``state='draft'``): only a value that skips a transition is refused.
A group of ``None`` means no group may write the field directly at all.
"""

from odoo import _, api, models
from odoo.exceptions import AccessError


class LogisticsGuardedMixin(models.AbstractModel):
    _name = "logistics.guarded.mixin"
    _description = "Logistics: fields owned by their transition methods"

    # {field name: group xml id allowed to write it directly, or None}. Each class of a model
    # (in any addon) declares only its own fields: _setup_complete merges them all.
    _guarded_fields = {}

    @api.model
    def _setup_complete(self):
        """The model's guarded fields are the union of what every class of it declares, whichever
        addon loads first (a class attribute alone would hide the other addons' fields)."""
        super()._setup_complete()
        cls = self.env.registry[self._name]
        merged = {}
        for base in reversed(cls.__mro__[1:]):
            merged.update(base.__dict__.get("_guarded_fields") or {})
        cls._guarded_fields = merged

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and self._guarded_fields:
            names = {name for vals in vals_list for name in vals if name in self._guarded_fields}
            if names:
                defaults = self.default_get(sorted(names))
                for vals in vals_list:
                    offending = {
                        name for name in names if name in vals and vals[name] and vals[name] != defaults.get(name)
                    }
                    self._check_guarded_write(offending)
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su and self._guarded_fields:
            self._check_guarded_write(set(vals) & set(self._guarded_fields))
        return super().write(vals)

    def _check_guarded_write(self, names):
        """Raise for the first guarded field in ``names`` the user's groups do not allow."""
        for name in sorted(names):
            group = self._guarded_fields[name]
            if group and self.env.user.has_group(group):
                continue
            field = self._fields[name]
            if group:
                group_name = self.env.ref(group).sudo().full_name
                message = _(
                    "You cannot set '%(field)s' of %(model)s directly: it is changed by its own "
                    "actions, or directly by the group '%(group)s'.",
                    field=field.string,
                    model=self._description,
                    group=group_name,
                )
            else:
                message = _(
                    "You cannot set '%(field)s' of %(model)s directly: only its own actions change it.",
                    field=field.string,
                    model=self._description,
                )
            raise AccessError(message)
